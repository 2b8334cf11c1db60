"""Inline completions end to end: advertised only when enabled, the model's insertion at the
cursor (FIM `/completions` or a chat prompt), cancellation, debounce and the prefix cache."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.e2e.conftest import write_config
from tests.support.lsp_client import Editor
from tests.support.model_server import Hang, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

SOURCE = "def area(r):\n    return 3.14 * r\n\n\ndef shout(name):\n    ret\n"


def enable(codex_home: Path, model: ScriptedModelServer, extra: str = "") -> None:
    write_config(
        codex_home, model.base_url,
        extra=f"\n[inline_completion]\nenabled = true\ndebounce_ms = 0\n{extra}",
    )


def fim_provider(model: ScriptedModelServer) -> str:
    return 'provider = "scripted"\nmodel = "fim-model"\n'


def items(result: Any) -> list[dict[str, Any]]:
    return result["items"] if isinstance(result, dict) else (result or [])


async def status(editor: Editor) -> dict[str, Any]:
    result: dict[str, Any] = (await editor.command("codex.status"))["inlineCompletion"]
    return result


async def test_off_by_default_and_advertised_when_enabled(
    editor: Editor, model: ScriptedModelServer
) -> None:
    init = await editor.start()
    assert "inlineCompletionProvider" not in init["capabilities"]
    uri = editor.open("hello.py")
    assert await editor.inline_completion(uri, 0, 3) is None
    assert model.requests == []


async def test_init_options_enable_it(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Reply([Text("urn name.upper()")]))
    init = await editor.start(init_options={"inline_completion": {"enabled": True, "debounce_ms": 0}})
    assert init["capabilities"]["inlineCompletionProvider"] == {}
    uri = editor.open("shout.py", SOURCE)
    result = await editor.inline_completion(uri, 5, 7)
    assert items(result) == [
        {"insertText": "urn name.upper()",
         "range": {"start": {"line": 5, "character": 7}, "end": {"line": 5, "character": 7}}}
    ]
    body = model.requests[0].body
    assert body is not None and body["tools"] == []
    prompt = body["input"][0]["content"][0]["text"]
    assert "def shout(name):\n    ret<|cursor|>\n" in prompt and "shout.py" in prompt


async def test_fim_endpoint_gets_prompt_and_suffix(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    enable(codex_home, model, fim_provider(model))
    model.script(Reply([Text("urn name.upper()\n\n\ndef whisper(name):")]))
    init = await editor.start()
    assert "inlineCompletionProvider" in init["capabilities"]
    uri = editor.open("shout.py", SOURCE + "\n\ndef whisper(name):\n    pass\n")
    result = await editor.inline_completion(uri, 5, 7)
    request = model.requests[0]
    assert request.path == "/v1/completions"
    assert request.body is not None
    assert request.body["prompt"].endswith("def shout(name):\n    ret")
    assert request.body["suffix"].startswith("\n\n\ndef whisper(name):")
    assert request.body["model"] == "fim-model" and request.headers["authorization"].startswith("Bearer ")
    # Trimmed where the text already follows the cursor.
    assert [i["insertText"] for i in items(result)] == ["urn name.upper()"]


async def test_a_newer_request_cancels_the_first(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    enable(codex_home, model, fim_provider(model))
    model.script(Hang(30), Reply([Text("urn name")]))
    await editor.start()
    uri = editor.open("shout.py", SOURCE)
    first = asyncio.ensure_future(editor.inline_completion(uri, 5, 7))
    await editor.wait_for(lambda: len(model.requests) == 1)
    second = await editor.inline_completion(uri, 5, 7)
    assert [i["insertText"] for i in items(second)] == ["urn name"]
    assert items(await asyncio.wait_for(first, 10)) == []
    assert await asyncio.to_thread(model.requests[0].wait_disconnected, 10)
    stats = await status(editor)
    assert (stats["cancelled"], stats["model_requests"]) == (1, 2)


async def test_client_cancel_drops_the_stream(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    enable(codex_home, model, fim_provider(model))
    model.script(Hang(30))
    await editor.start()
    uri = editor.open("shout.py", SOURCE)
    pending = editor.client.protocol.send_request(
        "textDocument/inlineCompletion",
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Automatic
            ),
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(5, 7),
        ),
        msg_id="inline-1",
    )
    await editor.wait_for(lambda: len(model.requests) == 1)
    editor.client.protocol.notify("$/cancelRequest", types.CancelParams(id="inline-1"))
    assert await asyncio.to_thread(model.requests[0].wait_disconnected, 10)
    with pytest.raises(Exception, match="cancel"):
        await asyncio.wait_for(asyncio.wrap_future(pending), 10)


async def test_debounce_and_cache(editor: Editor, model: ScriptedModelServer, codex_home: Path) -> None:
    enable(codex_home, model, fim_provider(model) + "")
    text = (codex_home / "config.toml").read_text().replace("debounce_ms = 0", "debounce_ms = 400")
    (codex_home / "config.toml").write_text(text)
    model.script(Reply([Text("urn name.upper()")]))
    await editor.start()
    uri = editor.open("shout.py", SOURCE)
    first = asyncio.ensure_future(editor.inline_completion(uri, 5, 7))
    await asyncio.sleep(0.1)
    second = await editor.inline_completion(uri, 5, 7)  # within the debounce: the first never asks
    assert items(await first) == []
    assert [i["insertText"] for i in items(second)] == ["urn name.upper()"]
    assert len(model.requests) == 1
    # Typing into the suggestion is answered from the cache.
    editor.type_text(uri, 5, 7, "ur")
    third = await editor.inline_completion(uri, 5, 9)
    assert [i["insertText"] for i in items(third)] == ["n name.upper()"]
    assert len(model.requests) == 1
    stats = await status(editor)
    assert (stats["debounced"], stats["cache_hits"], stats["model_requests"]) == (1, 1, 1)


async def test_toggle_and_language_lists(editor: Editor, model: ScriptedModelServer, codex_home: Path) -> None:
    enable(codex_home, model, 'disabled_languages = ["markdown"]\n')
    await editor.start()
    notes = editor.open("notes.md", "# Notes\n", language="markdown")
    assert await editor.inline_completion(notes, 0, 3) is None
    off = await editor.command("codex.toggleInlineCompletion", {})
    assert off["enabled"] is False
    uri = editor.open("shout.py", SOURCE)
    assert await editor.inline_completion(uri, 5, 7) is None
    on = await editor.command("codex.toggleInlineCompletion", {"enabled": True})
    assert on["enabled"] is True and on["advertised"] is True
    assert model.requests == []


@pytest.mark.parametrize("where", ["config", "init_options", "init_options_off"])
def test_early_initialize_reflects_inline_completion(
    where: str, workspace: Path, editor_env: dict[str, str], codex_home: Path, model: ScriptedModelServer
) -> None:
    from tests.e2e.test_e2e_startup import start
    from tests.support.raw_lsp import pipe_peer

    options = None
    if where == "config" or where == "init_options_off":
        enable(codex_home, model)
    if where.startswith("init_options"):
        options = {"codex": {"inlineCompletion": {"enabled": where == "init_options"}}}
    results = []
    for early in (True, False):
        server = start(editor_env, early)
        try:
            results.append(pipe_peer(server).initialize(workspace.as_uri(), {}, options)["result"])
        finally:
            server.kill()
            server.wait(10)
    assert results[0] == results[1]
    offered = "inlineCompletionProvider" in results[0]["capabilities"]
    assert offered is (where != "init_options_off")
