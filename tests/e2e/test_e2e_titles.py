"""Titles from the user's words: attached files travel as their own context message, and
the progress, change and thread titles are the instruction, cut at a word boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_e2e_agentic import patch
from tests.support.lsp_client import Editor
from tests.support.model_server import Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

PROMPT = "fix the bug in calc.py: add must add both numbers instead of subtracting them please"
SUBJECT = "fix the bug in calc.py: add must add both numbers instead…"


async def test_context_is_its_own_message_and_titles_are_the_instruction(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    (workspace / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    model.script(
        Reply([patch("*** Update File: calc.py\n@@\n-    return a - b\n+    return a + b\n")]),
        Reply([Text("Fixed.")]),
    )
    await editor.start()
    calc = editor.open("calc.py")
    readme = (workspace / "README.md").as_uri()
    editor.message_answers = ["Apply"]
    context = [{"uri": readme}, {"uri": calc, "range": {"start": {"line": 1}, "end": {"line": 1, "character": 5}}}]
    result = await editor.command("codex.runTask", {"prompt": PROMPT, "uri": calc, "context": context})
    assert result["status"] == "applied", result

    messages = [i for i in model.requests[0].body["input"] if i.get("type") == "message"]
    attached, asked = messages[-2], messages[-1]
    texts = [part["text"] for part in attached["content"]]
    assert texts[0] == "<attached_context>" and texts[-1] == "</attached_context>"
    assert "README.md" in texts[1]
    assert "calc.py, lines 2-2" in texts[2] and "return a - b" in texts[2]
    assert [part["text"] for part in asked["content"]] == [PROMPT]

    begin = next(p["value"] for p in editor.state.progress if p["value"]["kind"] == "begin")
    assert begin["title"] == f"Codex: {SUBJECT}"
    assert editor.state.message_requests[0]["message"].startswith(f"Codex: {SUBJECT}: ")
    listed = await editor.command("codex.listThreads", {})
    assert listed["threads"][0]["title"] == SUBJECT
    resumed = await editor.command("codex.resumeThread", {"threadId": result["threadId"]})
    assert resumed["transcript"][0] == {"kind": "user", "text": PROMPT, "chips": ["README.md", "calc.py:2-2"]}


async def test_context_outside_the_workspace_is_refused_with_the_reason(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "x", "context": [{"uri": "file:///etc/passwd"}]})
    assert result["status"] == "failed"
    assert "'context'" in result["error"] and "outside" in result["error"].lower()
    assert model.requests == []
