"""Commands besides editing: explain, ask, status, cancel, configuration, bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from lsprotocol import types

from tests.e2e.conftest import TEST_KEY, write_config
from tests.support.lsp_client import Editor, uri_path
from tests.support.model_server import Hang, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}


async def test_explain_shows_a_markdown_answer(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Reply([Text("`greet` joins a greeting and a name.")]))
    await editor.start()
    uri = editor.open("hello.py")
    result = await editor.command("codex.explain", {"uri": uri, "range": RANGE})
    assert result["status"] == "answered"
    assert result["text"] == "`greet` joins a greeting and a name."
    doc = uri_path(result["documentUri"])
    assert doc.suffix == ".md" and doc.read_text() == result["text"]
    assert editor.state.shown_documents[0]["uri"] == result["documentUri"]
    body = model.requests[0].body
    assert "apply_patch" not in [t["name"] for t in body["tools"]]
    assert "File: hello.py, lines 1-1:\n```python\ndef greet(name):\n```" in body["input"][0]["content"][0]["text"]


async def test_ask_streams_text_events_and_progress(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Reply([Text("The answer is forty two.")]))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "what is the answer?"})
    assert result["status"] == "answered" and result["text"] == "The answer is forty two."
    assert editor.text_events() == "The answer is forty two."
    kinds = [e["type"] for e in editor.state.events]
    assert kinds[0] == "turnStarted" and kinds[-1] == "turnFinished"
    values = [p["value"]["kind"] for p in editor.state.progress]
    assert values[0] == "begin" and values[-1] == "end"
    assert editor.state.progress[0]["value"]["cancellable"] is True
    # A second ask continues the same thread, so the model sees the history.
    model.script(Reply([Text("Yes.")]))
    again = await editor.command("codex.ask", {"prompt": "sure?"})
    assert again["threadId"] == result["threadId"]
    texts = [i["content"][0]["text"] for i in model.requests[1].body["input"]]
    assert texts == ["what is the answer?", "The answer is forty two.", "sure?"]


async def test_agents_md_reaches_the_model_as_a_user_instructions_message(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    (workspace / "AGENTS.md").write_text("Always answer in French.\n")
    model.script(Reply([Text("Oui.")]))
    await editor.start()
    await editor.command("codex.ask", {"prompt": "hi"})
    body = model.requests[0].body
    # As Codex: the guidance is a user message before the prompt; instructions stay constant.
    first, prompt = body["input"]
    assert first["role"] == "user" and "Always answer in French." in first["content"][0]["text"]
    assert first["content"][0]["text"].startswith(f"# AGENTS.md instructions for {workspace}")
    assert prompt["content"][0]["text"] == "hi"
    assert "French" not in body["instructions"]


async def test_codex_cancel_stops_the_turn_and_closes_the_stream(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Hang(30))
    await editor.start()
    task = asyncio.ensure_future(editor.command("codex.runTask", {"prompt": "long"}))
    await asyncio.to_thread(model.wait_for_requests, 1, 10)
    await asyncio.sleep(0.2)
    cancel = await editor.command("codex.cancel", {})
    assert len(cancel["cancelled"]) == 1
    result = await asyncio.wait_for(task, 5)
    assert result == {"status": "cancelled", "threadId": cancel["cancelled"][0], "text": ""}
    assert await asyncio.to_thread(model.requests[0].wait_disconnected, 5)
    assert [e for e in editor.state.events if e["type"] == "turnFinished"][-1]["status"] == "cancelled"


async def test_cancel_request_stops_the_command(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Hang(30))
    await editor.start()
    future = asyncio.ensure_future(editor.client.protocol.send_request_async(
        "workspace/executeCommand",
        types.ExecuteCommandParams(command="codex.runTask", arguments=[{"prompt": "long"}]),
        msg_id="run-1",
    ))
    await asyncio.to_thread(model.wait_for_requests, 1, 10)
    editor.client.protocol.notify("$/cancelRequest", types.CancelParams(id="run-1"))
    with pytest.raises(Exception, match="cancel"):
        await asyncio.wait_for(future, 5)
    assert await asyncio.to_thread(model.requests[0].wait_disconnected, 5)
    status = await editor.command("codex.status", {})
    assert status["running"] == []


async def test_progress_cancel_button_stops_the_turn(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Hang(30))
    await editor.start()
    task = asyncio.ensure_future(editor.command("codex.runTask", {"prompt": "long"}))
    await editor.wait_for(lambda: any(p["value"]["kind"] == "begin" for p in editor.state.progress))
    token = editor.state.progress[0]["token"]
    editor.client.protocol.notify(
        "window/workDoneProgress/cancel", types.WorkDoneProgressCancelParams(token=token)
    )
    result = await asyncio.wait_for(task, 5)
    assert result["status"] == "cancelled"


async def test_config_file_then_init_options_then_did_change(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Reply([Text("a")]), Reply([Text("b")]), Reply([Text("c")]))
    await editor.start(init_options={"model": "init-model"})
    await editor.command("codex.ask", {"prompt": "1"})
    assert model.requests[0].body["model"] == "init-model"
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"codex": {"model": "changed-model"}})
    )
    await editor.command("codex.ask", {"prompt": "2"})
    assert model.requests[1].body["model"] == "changed-model"
    status = await editor.command("codex.status", {})
    assert status["config"]["model"] == "changed-model"
    # A cleared setting (null) removes the override: back to the file's model.
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"codex": {"model": None}})
    )
    status = await editor.command("codex.status", {})
    assert status["config"]["model"] == "test-model"


async def test_file_model_is_used_without_overrides(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Reply([Text("a")]))
    await editor.start()
    await editor.command("codex.ask", {"prompt": "1"})
    assert model.requests[0].body["model"] == "test-model"


async def test_bad_init_options_are_reported_and_the_server_keeps_going(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Reply([Text("still here")]))
    await editor.start(init_options={"approval_policy": "sometimes"})
    await editor.wait_for(lambda: bool(editor.state.messages))
    assert "approval_policy" in editor.state.messages[0]["message"]
    result = await editor.command("codex.ask", {"prompt": "hi"})
    assert result["status"] == "answered"
    status = await editor.command("codex.status", {})
    assert "approval_policy" in status["configError"]


async def test_missing_api_key_is_a_clear_error_and_the_server_stays_up(
    workspace: Path, editor_env: dict[str, str], model: ScriptedModelServer
) -> None:
    env = {k: v for k, v in editor_env.items() if k != "CODEX_TEST_KEY"}
    editor = Editor(workspace, env)
    try:
        await editor.start()
        result = await editor.command("codex.ask", {"prompt": "hi"})
        assert result["status"] == "failed"
        assert "No API key" in result["error"] and "CODEX_TEST_KEY" in result["error"]
        assert model.requests == []
        assert any("No API key" in m["message"] for m in editor.state.messages)
        status = await editor.command("codex.status", {})
        assert status["config"]["api_key_present"] is False
    finally:
        await editor.stop()


async def test_the_api_key_never_reaches_the_client(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Reply([Text("ok")]))
    await editor.start()
    await editor.command("codex.ask", {"prompt": "hi"})
    status = await editor.command("codex.status", {})
    everything = json.dumps([status, editor.state.events, editor.state.messages, editor.state.progress])
    assert TEST_KEY not in everything
    assert status["config"]["api_key_present"] is True


@pytest.mark.parametrize(
    ("command", "args", "error"),
    [
        ("codex.editSelection", [42], "expected one argument object"),
        ("codex.editSelection", [{"range": RANGE}], "missing 'uri'"),
        ("codex.explain", [{"uri": "file:///x.py"}], "missing 'range'"),
        ("codex.ask", [{}], "missing 'prompt'"),
        ("codex.runTask", [{"prompt": "x", "threadId": "nope"}], "unknown thread"),
        ("codex.fixDiagnostic", [{"uri": "URI", "range": RANGE}], "missing 'diagnostic'"),
        ("codex.explain", [{"uri": "file:///etc/passwd", "range": RANGE}], "outside the workspace"),
    ],
)
async def test_malformed_arguments_fail_clearly(
    editor: Editor, model: ScriptedModelServer, workspace: Path, command: str, args: list, error: str
) -> None:
    await editor.start()
    args = [
        {**a, "uri": (workspace / "hello.py").as_uri()} if isinstance(a, dict) and a.get("uri") == "URI" else a
        for a in args
    ]
    result = await editor.command(command, *args)
    assert result["status"] == "failed"
    assert error in result["error"]
    assert model.requests == []


async def test_model_errors_reach_the_user_as_one_message(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    from tests.support.model_server import HttpError

    model.script(HttpError(401))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "hi"})
    assert result["status"] == "failed"
    assert "check your API key in the CODEX_TEST_KEY environment variable" in result["error"]


async def test_connection_refused_names_the_server(
    workspace: Path, editor_env: dict[str, str], codex_home: Path
) -> None:
    write_config(codex_home, "http://127.0.0.1:9/v1")
    editor = Editor(workspace, editor_env)
    try:
        await editor.start()
        result = await editor.command("codex.ask", {"prompt": "hi"}, timeout=60)
        assert result["status"] == "failed"
        assert "is the server running at http://127.0.0.1:9/v1" in result["error"]
    finally:
        await editor.stop()


async def test_rate_limit_is_retried_after_retry_after(editor: Editor, model: ScriptedModelServer) -> None:
    from tests.support.model_server import HttpError

    model.script(HttpError(429, headers={"Retry-After": "0.2"}), Reply([Text("after the wait")]))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "hi"})
    assert result["status"] == "answered" and result["text"] == "after the wait"
    assert len(model.requests) == 2


async def test_a_stream_cut_midway_is_retried_and_the_partial_text_dropped(
    editor: Editor, model: ScriptedModelServer
) -> None:
    from tests.support.model_server import Drop

    model.script(Drop(after_events=4, items=[Text("partial answer that is cut off")]), Reply([Text("complete answer")]))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "hi"})
    assert result["status"] == "answered" and result["text"] == "complete answer"
    kinds = [e["type"] for e in editor.state.events]
    assert "textReset" in kinds
    after_reset = kinds[kinds.index("textReset") :]
    assert "text" in after_reset
