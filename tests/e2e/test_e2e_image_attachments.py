"""Images the user attaches to `codex.runTask` / `codex.ask`, end to end: the real server
puts them into the user message as Codex 0.169 does (recorded from `codex exec -i`), a shape
the scripted Responses API checks as OpenAI's does; a bad image fails the command, naming
it, and nothing reaches the model."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_e2e_exec_command import write_gpt55_config
from tests.support.images import GIF_1X1, png
from tests.support.lsp_client import Editor
from tests.support.model_server import Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e


def _url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _last_user_content(model: ScriptedModelServer) -> list[dict[str, Any]]:
    body = model.requests[-1].body
    assert body is not None
    users = [i for i in body["input"] if i.get("type") == "message" and i.get("role") == "user"]
    content: list[dict[str, Any]] = users[-1]["content"]
    return content


async def test_attached_file_and_pasted_image_reach_the_model(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, 'approval_policy = "never"')
    (workspace / "shot.png").write_bytes(png(4, 3))
    model.script(Reply([Text("A grey box and a dot.")]))
    await editor.start()
    images = [{"uri": (workspace / "shot.png").as_uri()}, {"dataUrl": _url(GIF_1X1, "image/gif")}]
    result = await editor.command("codex.runTask", {"prompt": "what do you see", "images": images})
    assert result["status"] == "answered" and result["text"] == "A grey box and a dot.", result
    assert _last_user_content(model) == [
        {"type": "input_text", "text": '<image name=[Image #1] path="shot.png">'},
        {"type": "input_image", "image_url": _url(png(4, 3), "image/png"), "detail": "original"},
        {"type": "input_text", "text": "</image>"},
        {"type": "input_text", "text": "<image>"},
        {"type": "input_image", "image_url": _url(GIF_1X1, "image/gif")},
        {"type": "input_text", "text": "</image>"},
        {"type": "input_text", "text": "what do you see"},
    ]
    assert "base64" not in str(editor.state.events)  # progress shows no megabytes


async def test_ask_with_a_bad_image_fails_and_sends_nothing(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, 'approval_policy = "never"')
    (workspace / "notes.txt").write_text("not an image\n")
    model.script(Reply([Text("unused")]))
    await editor.start()
    bad_file = {"prompt": "see", "images": [{"uri": (workspace / "notes.txt").as_uri()}]}
    result = await editor.command("codex.ask", bad_file)
    assert result["status"] == "failed"
    assert "'images[0]'" in result["error"] and "not a PNG, JPEG, GIF or WebP" in result["error"]
    bad_paste = {"prompt": "see", "images": [{"dataUrl": "data:image/png;base64,@@"}]}
    result = await editor.command("codex.ask", bad_paste)
    assert result["status"] == "failed" and "broken base64" in result["error"], result
    assert model.requests == []
    model.script(Reply([Text("fine")]))
    result = await editor.command("codex.ask", {"prompt": "see", "images": [{"dataUrl": _url(png(2, 2), "image/png")}]})
    assert result["status"] == "answered", result
    assert len(model.requests) == 1
