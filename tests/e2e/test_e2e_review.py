"""Review as diagnostics, end to end: a read-only review turn with structured findings ->
`publishDiagnostics`; fix, dismiss, edits that move findings, the next review replacing them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e


def finding(title: str, start: int, end: int, priority: int = 1, path: str = "hello.py") -> dict[str, Any]:
    return {
        "title": title,
        "body": f"Why: {title.lower()}.",
        "confidence_score": 0.8,
        "priority": priority,
        "code_location": {"absolute_file_path": path, "line_range": {"start": start, "end": end}},
    }


def review_reply(*findings: dict[str, Any]) -> Reply:
    answer = {
        "findings": list(findings),
        "overall_correctness": "patch is incorrect" if findings else "patch is correct",
        "overall_explanation": "Checked greet.",
        "overall_confidence_score": 0.7,
    }
    return Reply([Text(json.dumps(answer))])


async def review_file(editor: Editor, uri: str) -> dict[str, Any]:
    result = await editor.command("codex.review", {"scope": "file", "uri": uri})
    assert result["status"] == "answered", result
    return result


async def test_review_publishes_findings_as_diagnostics(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    model.script(review_reply(finding("Guard against None name", 2, 2, 0),
                              finding("Print in module body", 5, 5, 3)))
    await editor.start()
    uri = editor.open("hello.py")
    result = await review_file(editor, uri)
    body = model.requests[0].body
    assert body is not None
    fmt = body["text"]["format"]
    assert fmt["type"] == "json_schema" and fmt["strict"] is True
    assert fmt["schema"]["required"] == [
        "findings", "overall_correctness", "overall_explanation", "overall_confidence_score"
    ]
    assert "apply_patch" not in {t["name"] for t in body["tools"]}  # a read-only turn
    await editor.wait_for(lambda: uri in editor.state.diagnostics)
    diags = editor.state.diagnostics[uri]
    assert [d["range"] for d in diags] == [
        {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 23}},
        {"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 19}},
    ]
    assert [d["severity"] for d in diags] == [1, 4]
    assert {d["source"] for d in diags} == {"codex"}
    assert diags[0]["message"].startswith("[P0] Guard against None name")
    assert diags[0]["code"] == result["findings"][0]["id"]
    assert result["summary"].startswith("2 findings in 1 file (patch is incorrect)")
    events = [e for e in editor.state.events if e.get("type") == "review"]
    assert events and events[0]["summary"] == result["summary"]
    # The same review again gives the same ids (stable codes).
    model.script(review_reply(finding("Guard against None name", 2, 2, 0)))
    again = await review_file(editor, uri)
    assert again["findings"][0]["id"] == result["findings"][0]["id"]
    assert len(editor.state.diagnostics[uri]) == 1  # the next review replaced the set


async def test_findings_of_files_not_open_are_published(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    (workspace / "util.py").write_text("x = 1\ny = x / 0\n")
    model.script(review_reply(finding("Division by zero", 2, 2, 0, path=str(workspace / "util.py"))))
    await editor.start()
    uri = editor.open("hello.py")
    await review_file(editor, uri)
    other = (workspace / "util.py").as_uri()
    await editor.wait_for(lambda: other in editor.state.diagnostics)
    assert editor.state.diagnostics[other][0]["range"]["end"] == {"line": 1, "character": 9}


async def test_dismiss_and_moves_with_edits(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(review_reply(finding("Guard against None name", 2, 2), finding("Print", 5, 5)))
    await editor.start()
    uri = editor.open("hello.py")
    result = await review_file(editor, uri)
    await editor.wait_for(lambda: len(editor.state.diagnostics.get(uri, [])) == 2)
    # An edit above the findings moves them down a line.
    editor.type_text(uri, 0, 0, "import os\n")
    await editor.wait_for(
        lambda: [d["range"]["start"]["line"] for d in editor.state.diagnostics[uri]] == [2, 5]
    )
    # Replacing the first finding's line drops it.
    doc = editor.state.docs[uri]
    lines = doc.text.splitlines(keepends=True)
    lines[2] = "    return 'hello ' + str(name)\n"
    editor._replace(uri, "".join(lines))
    await editor.wait_for(lambda: len(editor.state.diagnostics[uri]) == 1)
    assert editor.state.diagnostics[uri][0]["range"]["start"]["line"] == 5
    # Code actions offer fix and dismiss without the client passing the diagnostic.
    actions = await editor.code_actions(uri, (5, 0), (5, 3))
    titles = [a["title"] for a in actions]
    assert "Codex: Fix: Print" in titles and "Codex: Dismiss finding" in titles
    dismiss = next(a for a in actions if a["title"] == "Codex: Dismiss finding")
    cleared = await editor.command(dismiss["command"]["command"], *dismiss["command"]["arguments"])
    assert cleared["cleared"] == 1 and cleared["remaining"] == 0
    await editor.wait_for(lambda: editor.state.diagnostics[uri] == [])
    assert result["findings"][1]["title"] == "Print"


async def test_fix_applies_and_clears_the_finding(editor: Editor, model: ScriptedModelServer) -> None:
    patch = (
        "*** Begin Patch\n*** Update File: hello.py\n@@ def greet(name):\n"
        "-    return 'hi ' + name\n+    return 'hi ' + str(name)\n*** End Patch\n"
    )
    model.script(
        review_reply(finding("Guard against None name", 2, 2), finding("Print", 5, 5)),
        Reply([FunctionCall("apply_patch", {"input": patch})]),
        Reply([Text("Fixed.")]),
    )
    await editor.start()
    uri = editor.open("hello.py")
    await review_file(editor, uri)
    await editor.wait_for(lambda: len(editor.state.diagnostics.get(uri, [])) == 2)
    actions = await editor.code_actions(uri, (1, 4), (1, 4))
    fix = next(a for a in actions if a["title"] == "Codex: Fix: Guard against None name")
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    editor.message_answers = ["Apply"]
    result = await editor.command(fix["command"]["command"], *fix["command"]["arguments"])
    assert result["status"] == "applied", result
    prompt = json.dumps(model.requests[1].body)
    assert "Guard against None name" in prompt
    await editor.wait_for(lambda: len(editor.state.diagnostics[uri]) == 1)
    assert editor.state.diagnostics[uri][0]["message"].startswith("[P1] Print")


async def test_clear_findings_and_unreadable_answer(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(review_reply(finding("Guard", 2, 2)), Reply([Text("Looks fine to me!")]))
    await editor.start()
    uri = editor.open("hello.py")
    await review_file(editor, uri)
    await editor.wait_for(lambda: len(editor.state.diagnostics.get(uri, [])) == 1)
    bad = await editor.command("codex.review", {"scope": "file", "uri": uri})
    assert bad["status"] == "failed"
    assert "not the JSON findings" in bad["error"]
    assert len(editor.state.diagnostics[uri]) == 1  # a failed review keeps the last findings
    cleared = await editor.command("codex.clearFindings", {})
    assert cleared["cleared"] == 1
    await editor.wait_for(lambda: editor.state.diagnostics[uri] == [])
    missing = await editor.command("codex.review", {"scope": "selection", "uri": uri})
    assert missing["status"] == "failed" and "range" in missing["error"]


async def test_findings_persist_with_the_thread(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(review_reply(finding("Guard", 2, 2)))
    await editor.start()
    uri = editor.open("hello.py")
    result = await review_file(editor, uri)
    await editor.command("codex.clearFindings", {})
    await editor.wait_for(lambda: editor.state.diagnostics[uri] == [])
    # Clearing saved the empty set; a fresh review then resuming brings the latest back.
    model.script(review_reply(finding("Guard", 2, 2)))
    await review_file(editor, uri)
    await editor.command("codex.newThread")
    resumed = await editor.command("codex.resumeThread", {"threadId": result["threadId"]})
    assert resumed["status"] == "answered"
    await editor.wait_for(lambda: len(editor.state.diagnostics[uri]) == 1)
