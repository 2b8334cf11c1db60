"""Multi-root workspaces: folders added later, and tasks rooted in their document's folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types

from tests.e2e.conftest import write_config
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}


def _second_folder(tmp_path: Path) -> Path:
    other = tmp_path / "other"
    other.mkdir()
    (other / "lib.py").write_text("X = 1\n")
    (other / "AGENTS.md").write_text("Rule of the second folder: tabs only.\n")
    return other


async def test_folder_added_later_is_editable(
    editor: Editor, model: ScriptedModelServer, tmp_path: Path
) -> None:
    other = _second_folder(tmp_path)
    patch = "*** Begin Patch\n*** Update File: lib.py\n@@\n-X = 1\n+X = 2\n*** End Patch\n"
    model.script(Reply([FunctionCall("apply_patch", {"input": patch})]), Reply([Text("done")]))
    await editor.start()
    editor.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=other.as_uri(), name="other")], removed=[]
            )
        )
    )
    status = await editor.command("codex.status")
    assert str(other.resolve()) in status["workspace"], status
    editor.message_answers = ["Apply"]
    uri = (other / "lib.py").as_uri()
    result = await editor.command(
        "codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "bump"}
    )
    assert result["status"] == "applied", result
    assert (other / "lib.py").read_text() == "X = 2\n"
    # The turn was rooted in the second folder: its AGENTS.md reached the model.
    body = model.requests[0].body
    assert body is not None and "tabs only" in json.dumps(body["input"])
    assert "tabs only" not in body["instructions"]


async def test_task_from_second_folder_runs_its_shell_there(
    editor: Editor, model: ScriptedModelServer, tmp_path: Path, codex_home: Path, workspace: Path
) -> None:
    write_config(
        codex_home, model.base_url, 'approval_policy = "never"\nsandbox_mode = "danger-full-access"'
    )
    other = _second_folder(tmp_path)
    model.script(
        Reply([FunctionCall("shell", {"command": ["pwd"]})]),
        Reply([Text("ok")]),
        Reply([FunctionCall("shell", {"command": ["pwd"]})]),
        Reply([Text("ok")]),
    )
    await editor.start(more_folders=[other])
    result = await editor.command(
        "codex.runTask", {"prompt": "where am I", "uri": (other / "lib.py").as_uri()}
    )
    assert result["status"] == "answered", result
    first = _outputs(model, 1)
    assert f"\n{other.resolve()}\n" in first[-1] + "\n", first
    # Without a document, a workspace-wide task runs in the first folder.
    result = await editor.command("codex.runTask", {"prompt": "and now"})
    assert result["status"] == "answered", result
    second = _outputs(model, 3)
    assert f"\n{workspace.resolve()}\n" in second[-1] + "\n", second


def _outputs(model: ScriptedModelServer, request: int) -> list[str]:
    body = model.requests[request].body
    assert body is not None
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
