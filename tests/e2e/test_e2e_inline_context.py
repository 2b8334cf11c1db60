"""Inline completion reads its context: `triggerKind`, `selectedCompletionInfo`; and it is
registered (with a `documentSelector`) however it gets turned on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.e2e.conftest import write_config
from tests.e2e.test_e2e_inline import SOURCE, enable, items, status
from tests.support.lsp_client import Editor, to_json
from tests.support.model_server import Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

AN_HOUR_MS = 3_600_000


async def ask(
    editor: Editor,
    uri: str,
    kind: types.InlineCompletionTriggerKind,
    selected: types.SelectedCompletionInfo | None = None,
) -> Any:
    result = await editor.client.protocol.send_request_async(
        "textDocument/inlineCompletion",
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger_kind=kind, selected_completion_info=selected),
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(5, 7),
        ),
    )
    return to_json(result)


async def test_invoked_request_is_not_debounced(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    """The user asked: the model is asked at once (an hour's debounce would hold it)."""
    enable(codex_home, model)
    text = (codex_home / "config.toml").read_text().replace("debounce_ms = 0", f"debounce_ms = {AN_HOUR_MS}")
    (codex_home / "config.toml").write_text(text)
    model.script(Reply([Text("urn name.upper()")]))
    await editor.start()
    uri = editor.open("shout.py", SOURCE)
    result = await ask(editor, uri, types.InlineCompletionTriggerKind.Invoked)
    assert [i["insertText"] for i in items(result)] == ["urn name.upper()"]
    assert (await status(editor))["model_requests"] == 1


async def test_no_model_call_while_the_suggest_widget_is_open(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    enable(codex_home, model)
    model.script(Reply([Text("urn name.upper()")]))
    await editor.start()
    uri = editor.open("shout.py", SOURCE)
    selected = types.SelectedCompletionInfo(
        range=types.Range(types.Position(5, 4), types.Position(5, 7)), text="return"
    )
    for kind in (types.InlineCompletionTriggerKind.Automatic, types.InlineCompletionTriggerKind.Invoked):
        assert items(await ask(editor, uri, kind, selected)) == []
    assert model.requests == []
    # Without the widget, the same place is completed as usual.
    result = await ask(editor, uri, types.InlineCompletionTriggerKind.Automatic)
    assert [i["insertText"] for i in items(result)] == ["urn name.upper()"]


def _dynamic_client() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities(dynamic_registration=True)
        )
    )


def _record_registrations(editor: Editor) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    @editor.client.feature("client/registerCapability")
    def register(params: Any) -> None:
        seen.extend(to_json(params)["registrations"])

    return seen


async def test_enabled_through_settings_is_registered_with_a_selector(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url)  # off at start
    registrations = _record_registrations(editor)
    init = await editor.start(capabilities=_dynamic_client())
    assert "inlineCompletionProvider" not in init["capabilities"]
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"codex": {"inline_completion": {"enabled": True, "languages": ["python", "lua"]}}}
        )
    )
    await editor.wait_for(lambda: bool(registrations))
    [registration] = registrations
    assert registration["method"] == "textDocument/inlineCompletion"
    assert registration["registerOptions"]["documentSelector"] == [
        {"language": "python"}, {"language": "lua"}
    ]
    assert (await editor.command("codex.status"))["inlineCompletion"]["enabled"] is True


async def test_toggle_registers_for_every_file_without_a_language_list(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url)
    registrations = _record_registrations(editor)
    await editor.start(capabilities=_dynamic_client())
    on = await editor.command("codex.toggleInlineCompletion", {"enabled": True})
    assert on["advertised"] is True, on
    [registration] = registrations
    assert registration["registerOptions"]["documentSelector"] == [
        {"scheme": "file"}, {"scheme": "untitled"}
    ]
