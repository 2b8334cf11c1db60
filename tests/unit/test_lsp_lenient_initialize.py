"""`initialize` params decode leniently: what lsprotocol rejects is left out, never fatal."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from codex_lsp.lsp.rpc.jsonrpc import make_converter
from codex_lsp.lsp.rpc.lenient_initialize import structure_leniently


def _initialize(params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}


def test_unknown_enum_values_are_dropped_and_the_rest_kept() -> None:
    params = {
        "processId": 42,
        "trace": "weird",
        "capabilities": {
            "textDocument": {"publishDiagnostics": {"tagSupport": {"valueSet": [1, 99, 2, 77]}}},
            "workspace": {"applyEdit": True,
                          "workspaceEdit": {"resourceOperations": ["create", "copy", "delete"]}},
        },
    }
    message, ignored = structure_leniently(
        make_converter(), _initialize(params), types.InitializeRequest
    )
    caps = message.params.capabilities
    tags = caps.text_document.publish_diagnostics.tag_support.value_set
    assert list(tags) == [types.DiagnosticTag.Unnecessary, types.DiagnosticTag.Deprecated]
    ops = caps.workspace.workspace_edit.resource_operations
    assert list(ops) == [types.ResourceOperationKind.Create, types.ResourceOperationKind.Delete]
    assert caps.workspace.apply_edit is True and message.params.process_id == 42
    assert message.params.trace is None
    assert sorted(ignored) == sorted([
        "$.params.trace",
        "$.params.capabilities.text_document.publish_diagnostics.tag_support.value_set[1]",
        "$.params.capabilities.text_document.publish_diagnostics.tag_support.value_set[3]",
        "$.params.capabilities.workspace.workspace_edit.resource_operations[1]",
    ])


def test_required_parts_that_do_not_decode_become_empty() -> None:
    for params in (None, 5, {"capabilities": "all of them"}, {"processId": "x"}):
        message, ignored = structure_leniently(
            make_converter(), _initialize(params), types.InitializeRequest
        )
        assert message.params.capabilities == types.ClientCapabilities(), params
        assert ignored or params == {"capabilities": "all of them"}, params


def test_valid_params_are_untouched() -> None:
    params = {"processId": None, "rootUri": "file:///w", "capabilities": {"window": {"workDoneProgress": True}}}
    message, ignored = structure_leniently(make_converter(), _initialize(params), types.InitializeRequest)
    assert ignored == [] and message.params.root_uri == "file:///w"
    assert message.params.capabilities.window.work_done_progress is True
