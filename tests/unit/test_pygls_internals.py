"""The pygls internals codex_lsp relies on still exist with the shapes we use.

`lsp/rpc/nonblocking_transport.py`, `lsp/rpc/jsonrpc.py`, `lsp/server.py`, `lsp/session/text_sync.py` and
`cli.py` subclass or call private parts of pygls 2 (the writer, the request
table, the response hooks, `run_async`). pyproject bounds pygls to `<3`; a
minor release could still change them, and then this test fails naming the
internal, instead of the server failing at run time in a user's editor.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import pytest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.server import JsonRPCServer
from pygls.workspace import TextDocument


def _params(func: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(func).parameters)


def _fail(name: str, detail: str) -> str:
    return (
        f"pygls {version('pygls')} changed the internal {name} that codex_lsp relies on "
        f"({detail}); adapt codex_lsp/lsp before widening the pygls bound"
    )


MODULE_NAMES = [
    ("pygls.io_", "run_async"),
    ("pygls.protocol", "JsonRPCProtocol"),
    ("pygls.protocol", "LanguageServerProtocol"),
    ("pygls.protocol", "JsonRPCNotification"),
    ("pygls.protocol", "JsonRPCRequestMessage"),
    ("pygls.protocol", "JsonRPCResponseMessage"),
    ("pygls.protocol", "lsp_method"),
    ("pygls.protocol.json_rpc", "MsgId"),
    ("pygls.uris", "from_fs_path"),
    ("pygls.uris", "to_fs_path"),
]


@pytest.mark.parametrize(("module", "name"), MODULE_NAMES)
def test_imported_names_exist(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name), _fail(f"{module}.{name}", "missing")


METHOD_PARAMS: list[tuple[str, list[str]]] = [
    ("set_writer", ["self", "writer", "include_headers"]),
    ("_send_data", ["self", "data"]),
    ("_handle_response", ["self", "msg_id", "result", "error"]),
    ("_handle_cancel_notification", ["self", "msg_id"]),
    ("_send_response", ["self", "msg_id", "result", "error"]),
    ("lsp_initialize", ["self", "params"]),
    ("lsp_shutdown", ["self", "args"]),
]


@pytest.mark.parametrize(("method", "params"), METHOD_PARAMS)
def test_protocol_methods_we_override_or_call(method: str, params: list[str]) -> None:
    func = getattr(LanguageServerProtocol, method, None)
    assert func is not None, _fail(f"LanguageServerProtocol.{method}", "missing")
    assert _params(func) == params, _fail(
        f"LanguageServerProtocol.{method}", f"parameters are now {_params(func)}"
    )


def test_lsp_initialize_is_a_generator() -> None:
    # CodexProtocol.lsp_initialize does `yield from super().lsp_initialize(params)`.
    assert inspect.isgeneratorfunction(LanguageServerProtocol.lsp_initialize), _fail(
        "LanguageServerProtocol.lsp_initialize", "no longer a generator"
    )


def test_run_async_keywords() -> None:
    from pygls.io_ import run_async

    expected = {"stop_event", "reader", "protocol", "logger", "error_handler"}
    missing = expected - set(_params(run_async))
    assert not missing, _fail("pygls.io_.run_async", f"keywords {sorted(missing)} are gone")


def test_server_constructor_keywords() -> None:
    params = set(_params(JsonRPCServer.__init__))
    assert {"protocol_cls", "converter_factory"} <= params, _fail(
        "JsonRPCServer.__init__", f"parameters are now {sorted(params)}"
    )
    assert "text_document_sync_kind" in _params(LanguageServer.__init__), _fail(
        "LanguageServer.__init__", "no text_document_sync_kind"
    )


INSTANCE_ATTRIBUTES = [
    "writer",
    "_request_futures",
    "_result_types",
    "msg_id",
    "_shutdown",
    "fm",
    "_workspace",
]


@pytest.mark.parametrize("attribute", INSTANCE_ATTRIBUTES)
def test_protocol_instance_attributes(attribute: str) -> None:
    protocol = LanguageServer("internals-check", "0").protocol
    assert hasattr(protocol, attribute), _fail(f"LanguageServerProtocol.{attribute}", "missing")
    if attribute in ("_request_futures", "_result_types"):
        assert isinstance(getattr(protocol, attribute), dict), _fail(
            f"LanguageServerProtocol.{attribute}", "no longer a dict"
        )
    if attribute == "fm":
        assert isinstance(protocol.fm.features, dict), _fail(
            "FeatureManager.features", "not a dict"
        )


def test_server_internals() -> None:
    server = LanguageServer("internals-check", "0")
    assert hasattr(server, "_stop_event"), _fail("JsonRPCServer._stop_event", "missing")
    report = getattr(server, "_report_server_error", None)
    assert report is not None, _fail("LanguageServer._report_server_error", "missing")
    assert _params(report) == ["error", "source"], _fail(
        "LanguageServer._report_server_error", f"parameters are now {_params(report)}"
    )
    for prop in ("client_capabilities", "workspace"):
        assert isinstance(inspect.getattr_static(LanguageServer, prop), property), _fail(
            f"LanguageServer.{prop}", "no longer a property"
        )


def test_text_document_keeps_its_source_in_an_attribute() -> None:
    # LinesTextDocument (lsp/session/text_sync.py) assigns `_source` and reads `source` via super().
    doc = TextDocument("file:///internals.txt", "abc")
    assert "_source" in vars(doc), _fail("TextDocument._source", "missing")
    assert isinstance(inspect.getattr_static(TextDocument, "source"), property), _fail(
        "TextDocument.source", "no longer a property"
    )
    doc._source = "changed"
    assert doc.source == "changed", _fail("TextDocument.source", "does not read _source")
