"""`view_image` end to end: the real server reads a workspace image and sends it to the
(scripted) Responses API as an `input_image` content item of the call's output, a shape
the scripted server checks as OpenAI's API does; a path outside is refused."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.e2e.test_e2e_exec_command import outputs, write_gpt55_config
from tests.support.images import png
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e


async def test_view_image_sends_an_input_image(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path, tmp_path: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, 'approval_policy = "never"')
    data = png(8, 6)
    (workspace / "shot.png").write_bytes(data)
    (tmp_path / "outside.png").write_bytes(png(1, 1))
    model.script(
        Reply([FunctionCall("view_image", {"path": "shot.png"}, "v1")]),
        Reply([FunctionCall("view_image", {"path": str(tmp_path / "outside.png")}, "v2")]),
        Reply([Text("A grey rectangle.")]),
    )
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "look at shot.png"})
    assert result["status"] == "answered" and result["text"] == "A grey rectangle.", result
    body = model.requests[0].body
    assert body is not None and "view_image" in [t.get("name") for t in body["tools"]]
    assert outputs(model, 1) == [
        [{"type": "input_image", "image_url": "data:image/png;base64," + base64.b64encode(data).decode()}]
    ]
    refused = outputs(model, 2)[-1]
    assert isinstance(refused, str) and "outside" in refused
    steps = [e for e in editor.state.events if e["type"] == "tool" and e.get("name") == "view_image"]
    assert any(e.get("phase") == "end" for e in steps), editor.state.events
    assert "base64" not in str(editor.state.events)  # the user sees "[image]", not megabytes
