"""`exec_command` / `write_stdin` end to end: the real server offers gpt-5.5 Codex's
tools, runs a PTY session across calls and turns, asks with command, workdir and
justification, lists the session in `codex.status`, and kills it on cancel."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Hang, Reply, ScriptedModelServer, Text
from tests.unit.test_shell_support import unique_sleep, wait_for_pids

pytestmark = pytest.mark.e2e


def write_gpt55_config(home: Path, base_url: str, extra: str) -> None:
    """Like conftest's `write_config`, for gpt-5.5 (Codex's tool family)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'''model = "gpt-5.5"
model_provider = "scripted"
{extra}

[model_providers.scripted]
name = "Scripted"
base_url = "{base_url}"
env_key = "CODEX_TEST_KEY"
wire_api = "responses"
request_max_retries = 1
stream_max_retries = 1
'''
    )


def outputs(model: ScriptedModelServer, request: int) -> list[str]:
    body = model.requests[request].body
    assert body is not None
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]


def session_id(output: str) -> int:
    match = re.search(r"Process running with session ID (\d+)\n", output)
    assert match is not None, output
    return int(match.group(1))


async def test_pty_session_across_calls_and_turns_with_approval(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path
) -> None:
    write_gpt55_config(
        codex_home, model.base_url, 'approval_policy = "untrusted"\nsandbox_mode = "danger-full-access"'
    )
    (workspace / "app").mkdir()
    token = unique_sleep()
    script = f"read -p 'port? ' p; echo serving on $p; sleep {token}"
    start = {
        "cmd": script, "workdir": "app", "tty": True, "login": False, "yield_time_ms": 1000,
        "sandbox_permissions": "use_default", "justification": "start the dev server",
    }
    model.script(Reply([FunctionCall("exec_command", start, "c1")]), Reply([Text("Asked for a port.")]))
    await editor.start(codex_approval=True)
    editor.command_answers = ["approve"]
    first = await editor.command("codex.runTask", {"prompt": "start the server"})
    assert first["status"] == "answered", first

    body = model.requests[0].body
    assert body is not None
    names = [t.get("name") for t in body["tools"]]
    assert names[:2] == ["exec_command", "write_stdin"] and "shell" not in names
    (request,) = editor.state.approve_commands
    assert request["command"][-1] == script and request["cwd"] == str(workspace / "app")
    assert script in request["message"] and str(workspace / "app") in request["message"]
    assert "The agent says: start the dev server" in request["message"]
    (started,) = outputs(model, 1)
    sid = session_id(started)
    assert started.startswith("Chunk ID: ") and "port? " in started

    status = await editor.command("codex.status", {})
    assert [s["id"] for s in status["execSessions"]] == [sid]

    model.script(
        Reply([FunctionCall("write_stdin", {"session_id": sid, "chars": "8080\n", "yield_time_ms": 1000}, "w1")]),
        Reply([Text("It serves."), ]),
    )
    second = await editor.command("codex.runTask", {"prompt": "answer 8080", "threadId": first["threadId"]})
    assert second["status"] == "answered", second
    answered = outputs(model, 3)[-1]
    assert "serving on 8080" in answered and f"session ID {sid}" in answered
    assert await wait_for_pids(token, present=True, at_least=1)

    # The user cancels a later turn of the thread: its sessions go with it.
    model.script(Hang(30))
    task = asyncio.ensure_future(
        editor.command("codex.runTask", {"prompt": "wait", "threadId": first["threadId"]})
    )
    await asyncio.to_thread(model.wait_for_requests, 5, 10)
    cancel = await editor.command("codex.cancel", {})
    assert cancel["cancelled"] == [first["threadId"]]
    assert (await asyncio.wait_for(task, 10))["status"] == "cancelled"
    assert await wait_for_pids(token, present=False) == []
    assert (await editor.command("codex.status", {}))["execSessions"] == []


async def test_other_models_still_get_shell(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    from tests.e2e.conftest import write_config

    write_config(codex_home, model.base_url, 'approval_policy = "never"')
    model.script(Reply([Text("hi")]))
    await editor.start()
    await editor.command("codex.runTask", {"prompt": "hi"})
    body = model.requests[0].body
    assert body is not None
    names = [t.get("name") for t in body["tools"]]
    assert "shell" in names and "exec_command" not in names
