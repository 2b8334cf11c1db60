"""Nothing fails silently: editors without our plugin drop a command's result, so a
failure is also a `window/showMessage`, and an answer opens as a document or a message."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from lsprotocol import types

from tests.e2e.conftest import write_config
from tests.support.lsp_client import Editor
from tests.support.model_server import Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

ERROR = 1
RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 27}}


def closed_port() -> int:
    """A loopback port nothing listens on: the model is unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable(codex_home: Path) -> None:
    write_config(codex_home, f"http://127.0.0.1:{closed_port()}/v1")


def no_show_document() -> types.ClientCapabilities:
    """What eglot or Helix announce: edits, but no showDocument and no plugin."""
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(apply_edit=True),
        window=types.WindowClientCapabilities(work_done_progress=False),
    )


async def run_explain_from_code_action(editor: Editor) -> dict:  # type: ignore[type-arg]
    uri = editor.open("hello.py")
    actions = await editor.code_actions(uri, (0, 0), (1, 27))
    explain = next(a for a in actions if a["title"] == "Codex: Explain")
    command = explain["command"]
    return await editor.command(command["command"], *command["arguments"], timeout=60)  # type: ignore[no-any-return]


async def test_explain_with_the_model_unreachable_reaches_the_user(
    unreachable: None, editor: Editor
) -> None:
    await editor.start(capabilities=no_show_document())
    result = await run_explain_from_code_action(editor)
    assert result["status"] == "failed", result
    errors = [m["message"] for m in editor.state.messages if m["type"] == ERROR]
    assert len(errors) == 1, editor.state.messages
    assert errors[0].startswith("Codex: Explain failed: ")
    assert "Could not connect" in errors[0] and "is the server running" in errors[0]
    assert "\n" not in errors[0]


async def test_our_plugins_show_the_result_themselves(unreachable: None, editor: Editor) -> None:
    await editor.start(codex_approval=True)
    result = await run_explain_from_code_action(editor)
    assert result["status"] == "failed", result
    assert not [m for m in editor.state.messages if m["type"] == ERROR]


async def test_bad_arguments_get_a_next_step(editor: Editor) -> None:
    await editor.start(capabilities=no_show_document())
    result = await editor.command("codex.explain", {"range": RANGE})
    assert result["status"] == "failed"
    errors = [m["message"] for m in editor.state.messages if m["type"] == ERROR]
    assert errors == [f"Codex: Explain failed: {result['error'].rstrip('.')}. "
                      "Run `codex-lsp check` or see the codex-lsp log for details."]


async def test_an_answer_without_show_document_is_a_message_with_its_start(
    editor: Editor, model: ScriptedModelServer, workspace: Path, tmp_path: Path
) -> None:
    answer = "\n".join(f"line {i}" for i in range(30))
    model.script(Reply([Text(answer)]))
    await editor.start(capabilities=no_show_document())
    result = await editor.command("codex.ask", {"prompt": "count"})
    assert result["status"] == "answered" and result["documentUri"] is None
    infos = [m["message"] for m in editor.state.messages if m["type"] == 3]
    assert len(infos) == 1
    assert infos[0].startswith("line 0\nline 1\n") and "line 29" not in infos[0]
    saved = Path(infos[0].rsplit("(Whole answer: ", 1)[1].rstrip(")"))
    assert saved.read_text() == answer
    assert saved.is_relative_to(tmp_path / "cache") and not saved.is_relative_to(workspace)


async def test_an_answer_opens_as_a_document_where_the_editor_can(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    model.script(Reply([Text("It greets.")]))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "what does greet do?"})
    assert result["status"] == "answered"
    shown = editor.state.shown_documents
    assert [d["uri"] for d in shown] == [result["documentUri"]]
    path = Path(result["documentUri"].removeprefix("file://"))
    assert path.read_text() == "It greets." and not path.is_relative_to(workspace)
    assert not editor.state.messages
