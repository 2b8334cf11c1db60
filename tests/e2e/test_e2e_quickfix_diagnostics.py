"""Quick fixes name the diagnostic they fix, findings carry the buffer version they were
computed on, and buffers no command can serve (`untitled:`) are offered no actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.e2e.test_e2e_review import finding, review_file, review_reply
from tests.support.lsp_client import Editor
from tests.support.model_server import ScriptedModelServer

pytestmark = pytest.mark.e2e


def _range(line: int, end: int) -> types.Range:
    return types.Range(types.Position(line, 0), types.Position(line, end))


async def test_quick_fix_lists_the_clients_diagnostic(editor: Editor) -> None:
    await editor.start()
    uri = editor.open("hello.py")
    diag = types.Diagnostic(
        range=_range(1, 27), message="'name' may be None", severity=types.DiagnosticSeverity.Warning,
        source="pyright", code="reportOptionalOperand",
    )
    actions = await editor.code_actions(uri, (1, 0), (1, 27), [diag])
    [fix] = [a for a in actions if a["kind"] == "quickfix"]
    assert fix["diagnostics"] == [{
        "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 27}},
        "message": "'name' may be None", "severity": 2, "source": "pyright",
        "code": "reportOptionalOperand",
    }]
    assert all("diagnostics" not in a for a in actions if a["kind"] != "quickfix")


async def test_findings_carry_the_version_and_their_fixes_list_them(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(review_reply(finding("Print in module body", 5, 5)))
    await editor.start()
    uri = editor.open("hello.py")
    await review_file(editor, uri)
    await editor.wait_for(lambda: len(editor.state.diagnostics.get(uri, [])) == 1)
    assert editor.state.diagnostic_versions[uri] == editor.state.docs[uri].version == 1
    # An edit moves the finding: republished for the new version.
    editor.type_text(uri, 0, 0, "import os\n")
    await editor.wait_for(lambda: editor.state.diagnostics[uri][0]["range"]["start"]["line"] == 5)
    assert editor.state.diagnostic_versions[uri] == editor.state.docs[uri].version == 2
    published = editor.state.diagnostics[uri][0]
    sent = types.Diagnostic(
        range=_range(5, published["range"]["end"]["character"]), message=published["message"],
        severity=types.DiagnosticSeverity(published["severity"]), source=published["source"],
        code=published["code"],
    )
    actions = await editor.code_actions(uri, (5, 0), (5, 3), [sent])
    fixes = [a for a in actions if a["kind"] == "quickfix"]
    assert [a["title"] for a in fixes] == ["Codex: Fix: Print in module body", "Codex: Dismiss finding"]
    for action in fixes:
        [listed] = action["diagnostics"]
        assert listed == {k: v for k, v in published.items() if k != "data"}, listed


async def test_untitled_buffers_get_no_actions(editor: Editor, workspace: Path) -> None:
    await editor.start()
    uri = "untitled:Untitled-1"
    editor.client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text="x = 1\n")
    ))
    diag = types.Diagnostic(range=_range(0, 5), message="unused", source="lint")
    assert await editor.code_actions(uri, (0, 0), (0, 5), [diag]) == []
