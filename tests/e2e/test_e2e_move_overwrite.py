"""`*** Move to:` onto an existing file end to end (Codex's scenario
010_move_overwrites_existing_destination): applied as Codex does, the replaced
destination shown in the review (its own diff), and restored by `codex.undo`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.lsp_client import Editor, uri_path
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

PATCH = (
    "*** Begin Patch\n*** Update File: old/name.txt\n*** Move to: renamed/dir/name.txt\n"
    "@@\n-from\n+new\n*** End Patch\n"
)


async def test_move_replaces_the_destination_shows_it_and_undo_restores_it(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    (workspace / "old").mkdir()
    (workspace / "old/name.txt").write_text("from\n")
    (workspace / "old/other.txt").write_text("unrelated\n")
    (workspace / "renamed/dir").mkdir(parents=True)
    (workspace / "renamed/dir/name.txt").write_text("what was here\n")
    model.script(Reply([FunctionCall("apply_patch", {"input": PATCH})]), Reply([Text("moved")]))
    await editor.start()
    editor.message_answers = ["Show diff", "Apply"]
    result = await editor.command("codex.runTask", {"prompt": "rename it"})
    assert result["status"] == "applied", result

    diff = uri_path(editor.state.shown_documents[0]["uri"]).read_text()
    assert "--- a/renamed/dir/name.txt\n+++ /dev/null\n" in diff and "-what was here\n" in diff
    assert "-from\n+new\n" in diff
    assert not (workspace / "old/name.txt").exists()
    assert (workspace / "renamed/dir/name.txt").read_text() == "new\n"
    assert (workspace / "old/other.txt").read_text() == "unrelated\n"
    body = model.requests[1].body
    assert body is not None
    assert body["input"][-1]["output"] == "Success. Updated the following files:\nM renamed/dir/name.txt\n"

    undone = await editor.command("codex.undo", {})
    assert undone["status"] == "applied", undone
    assert (workspace / "old/name.txt").read_text() == "from\n"
    assert (workspace / "renamed/dir/name.txt").read_text() == "what was here\n"
