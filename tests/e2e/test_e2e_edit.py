"""Edit selection end to end: code action -> command -> approval -> versioned applyEdit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

PATCH = """*** Begin Patch
*** Update File: hello.py
@@ def greet(name):
-    return 'hi ' + name
+    return f"hello {name}"
*** End Patch
"""

RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 27}}


def script_edit(model: ScriptedModelServer, patch: str = PATCH) -> None:
    model.script(
        Reply([Text("Updating greet."), FunctionCall("apply_patch", {"input": patch})]),
        Reply([Text("Done: greet now uses an f-string.")]),
    )


async def test_code_actions_are_instant_and_never_call_the_model(
    editor: Editor, model: ScriptedModelServer
) -> None:
    init = await editor.start()
    assert init["capabilities"]["executeCommandProvider"]["commands"]
    uri = editor.open("hello.py")
    actions = await editor.code_actions(uri, (0, 0), (1, 10))
    titles = [a["title"] for a in actions]
    assert titles == [
        "Codex: Edit selection…",
        "Codex: Explain",
        "Codex: Add docstring",
        "Codex: Write tests",
        "Codex: Review this file",
        "Codex: Review selection",
    ]
    assert actions[0]["kind"] == "refactor.rewrite"
    assert actions[0]["command"]["command"] == "codex.editSelection"
    assert model.requests == []


async def test_edit_selection_apply(editor: Editor, model: ScriptedModelServer, workspace: Path) -> None:
    script_edit(model)
    await editor.start()
    uri = editor.open("hello.py")
    editor.message_answers = ["Apply"]
    result = await editor.command(
        "codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "use an f-string"}
    )
    assert result["status"] == "applied", result
    assert result["changedFiles"] == ["hello.py"]
    assert len(editor.state.apply_edits) == 1
    change = editor.state.apply_edits[0]["edit"]["documentChanges"][0]
    assert change == {
        "textDocument": {"uri": uri, "version": 1},
        "edits": [
            {
                "range": {"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 23}},
                "newText": 'f"hello {name}"',
            }
        ],
    }
    assert editor.state.docs[uri].text.splitlines()[1] == '    return f"hello {name}"'
    # The prompt summarised the change; the model got the tool output back.
    assert "hello.py (+1 -1)" in editor.state.message_requests[0]["message"]
    second = model.requests[1].body
    assert second is not None
    outputs = [i for i in second["input"] if i.get("type") == "function_call_output"]
    assert outputs[0]["output"].startswith("Success. Updated the following files:")
    assert model.requests[0].headers["authorization"] == "Bearer sk-test-do-not-leak-1234"


async def test_edit_selection_reject(editor: Editor, model: ScriptedModelServer, workspace: Path) -> None:
    model.script(Reply([FunctionCall("apply_patch", {"input": PATCH})]))
    await editor.start()
    uri = editor.open("hello.py")
    editor.message_answers = ["Reject"]
    result = await editor.command(
        "codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "use an f-string"}
    )
    assert result["status"] == "rejected"
    assert editor.state.apply_edits == []
    assert "return 'hi ' + name" in editor.state.docs[uri].text
    assert len(model.requests) == 1


async def test_selection_and_edit_ranges_count_lines_as_the_editor(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    """\\f, \\x85 and U+2028 are not line breaks in LSP (issue 9, defect 5)."""
    text = "a = 1\f# form feed\nb = 2\x85c\u2028d\nc = 3\nd = 4\n"
    (workspace / "odd.py").write_text(text, newline="")
    patch = "*** Begin Patch\n*** Update File: odd.py\n@@\n-c = 3\n+c = 30\n*** End Patch\n"
    script_edit(model, patch)
    await editor.start()
    uri = editor.open("odd.py", text)
    editor.message_answers = ["Apply"]
    rng = {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 5}}
    result = await editor.command("codex.editSelection", {"uri": uri, "range": rng, "instruction": "x"})
    assert result["status"] == "applied", result
    body = model.requests[0].body
    assert body is not None
    assert "File: odd.py, lines 2-3:\n```python\nb = 2\x85c\u2028d\nc = 3\n```" in body["input"][-1]["content"][0]["text"]
    edits = editor.state.apply_edits[0]["edit"]["documentChanges"][0]["edits"]
    assert [e["range"]["start"]["line"] for e in edits] == [2]
    assert editor.state.docs[uri].text == text.replace("c = 3", "c = 30")
