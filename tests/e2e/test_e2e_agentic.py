"""Agentic tasks end to end: multi-step work with the shell, command approvals per
policy, MCP tools, threads that persist and resume, undo, compaction."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import pytest

from tests.e2e.conftest import write_config
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

MCP_SERVER = Path(__file__).resolve().parents[1] / "support" / "mcp_server.py"
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")


def patch(body: str) -> FunctionCall:
    return FunctionCall("apply_patch", {"input": f"*** Begin Patch\n{body}*** End Patch\n"})


def outputs(model: ScriptedModelServer, request: int) -> list[str]:
    body = model.requests[request].body
    assert body is not None
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]


@needs_bwrap
async def test_multi_step_task_lists_greps_runs_and_patches_two_files(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, 'approval_policy = "untrusted"\nsandbox_mode = "workspace-write"')
    (workspace / "util.py").write_text("def helper():\n    return 'hi'\n")
    model.script(
        Reply([FunctionCall("update_plan", {"plan": [{"step": "look", "status": "in_progress"}, {"step": "edit", "status": "pending"}]})]),
        Reply([FunctionCall("list_dir", {"path": "."})]),
        Reply([FunctionCall("grep_files", {"pattern": "'hi", "include": "*.py"})]),
        Reply([FunctionCall("shell", {"command": ["cat", "util.py"]})]),
        Reply([
            patch(
                "*** Update File: hello.py\n@@\n-    return 'hi ' + name\n+    return 'hello ' + name\n"
                "*** Update File: util.py\n@@\n-    return 'hi'\n+    return 'hello'\n"
            )
        ]),
        Reply([Text("Both greetings now say hello.")]),
    )
    await editor.start()
    editor.message_answers = ["Apply"]
    result = await editor.command("codex.runTask", {"prompt": "say hello everywhere"})
    assert result["status"] == "applied", result
    assert sorted(result["changedFiles"]) == ["hello.py", "util.py"]
    assert outputs(model, 2)[-1] == "hello.py\nutil.py"
    assert outputs(model, 3)[-1].splitlines() == ["hello.py:2:     return 'hi ' + name", "util.py:2:     return 'hi'"]
    shell_out = outputs(model, 4)[-1]
    assert shell_out.startswith("Exit code: 0\nWall time:") and "return 'hi'" in shell_out
    assert "return 'hello'" in (workspace / "util.py").read_text()
    assert "return 'hello ' + name" in (workspace / "hello.py").read_text()
    plans = [e for e in editor.state.events if e["type"] == "plan"]
    assert plans[0]["plan"][0] == {"step": "look", "status": "in_progress"}
    assert editor.state.message_requests[0]["message"].endswith("edit hello.py (+1 -1); edit util.py (+1 -1)")
    # `cat` is known-safe under "untrusted": it ran without a question.
    assert len(editor.state.message_requests) == 1


@needs_bwrap
@pytest.mark.parametrize(
    ("policy", "command", "answer", "asked", "ran"),
    [
        ("untrusted", ["ls"], None, False, True),
        ("untrusted", ["touch", "made.txt"], "Run", True, True),
        ("untrusted", ["touch", "made.txt"], "Reject", True, False),
        ("on-request", ["touch", "made.txt"], None, False, True),
        ("never", ["touch", "made.txt"], None, False, True),
    ],
)
async def test_command_approval_policies(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path,
    policy: str, command: list[str], answer: str | None, asked: bool, ran: bool,
) -> None:
    write_config(codex_home, model.base_url, f'approval_policy = "{policy}"\nsandbox_mode = "workspace-write"')
    model.script(Reply([FunctionCall("shell", {"command": command})]), Reply([Text("done")]))
    await editor.start()
    if answer:
        editor.message_answers = [answer]
    result = await editor.command("codex.runTask", {"prompt": "run it"})
    assert result["status"] == "answered"
    prompts = [m for m in editor.state.message_requests if m["message"].startswith("Codex wants to run")]
    assert bool(prompts) == asked
    if asked:
        assert [a["title"] for a in prompts[0]["actions"]] == ["Run", "Run always this session", "Reject"]
    out = outputs(model, 1)[-1]
    if ran:
        assert out.startswith("Exit code: 0")
    else:
        assert "rejected by user" in out
    if command[0] == "touch":
        assert (workspace / "made.txt").exists() == ran


@needs_bwrap
async def test_codex_approve_command_request_and_session_memory(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, 'approval_policy = "untrusted"\nsandbox_mode = "workspace-write"')
    model.script(
        Reply([FunctionCall("shell", {"command": ["touch", "a.txt"]})]),
        Reply([FunctionCall("shell", {"command": ["touch", "a.txt"]})]),
        Reply([Text("done")]),
    )
    await editor.start(codex_approval=True)
    editor.command_answers = ["approveForSession"]
    result = await editor.command("codex.runTask", {"prompt": "touch twice"})
    assert result["status"] == "answered"
    assert len(editor.state.approve_commands) == 1
    request = editor.state.approve_commands[0]
    assert request["command"] == ["touch", "a.txt"] and request["cwd"] == str(workspace)
    assert request["threadId"] == result["threadId"]
    assert outputs(model, 2)[-1].startswith("Exit code: 0")


@needs_bwrap
async def test_sandbox_refuses_writes_outside_the_workspace_and_network(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path, tmp_path: Path
) -> None:
    write_config(codex_home, model.base_url, 'approval_policy = "never"\nsandbox_mode = "workspace-write"')
    # /tmp is writable in workspace-write (temp files), so use a folder elsewhere.
    outside = Path(tempfile.mkdtemp(prefix="codex-lsp-outside-", dir="/var/tmp"))
    probe = f"import urllib.request; urllib.request.urlopen('{model.base_url}/models', timeout=3)"
    model.script(
        Reply([FunctionCall("shell", {"command": ["touch", str(outside / "x")]})]),
        Reply([FunctionCall("shell", {"command": [sys.executable, "-c", probe]})]),
        Reply([Text("blocked")]),
    )
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "escape"})
    assert result["status"] == "answered"
    write_out = outputs(model, 1)[-1]
    assert not write_out.startswith("Exit code: 0") and "Read-only file system" in write_out
    assert not (outside / "x").exists()
    net_out = outputs(model, 2)[-1]
    assert not net_out.startswith("Exit code: 0")
    assert len([r for r in model.requests if r.kind == "models"]) == 0
    shutil.rmtree(outside)


async def test_command_timeout_and_cancel_kill_the_command(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    write_config(codex_home, model.base_url, 'approval_policy = "never"\nsandbox_mode = "danger-full-access"')
    model.script(
        Reply([FunctionCall("shell", {"command": ["sleep", "30"], "timeout_ms": 300})]),
        Reply([Text("timed out")]),
        Reply([FunctionCall("shell", {"command": ["bash", "-c", "echo $$ > pid.txt; exec sleep 60"]})]),
    )
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "sleep"})
    assert result["status"] == "answered"
    assert "timed out after 300 milliseconds" in outputs(model, 1)[-1]
    task = asyncio.ensure_future(editor.command("codex.runTask", {"prompt": "sleep more"}))
    pid_file = workspace / "pid.txt"
    await editor.wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() != "", timeout=20)
    pid = int(pid_file.read_text())
    assert Path(f"/proc/{pid}").exists()
    await editor.command("codex.cancel", {})
    assert (await asyncio.wait_for(task, 10))["status"] == "cancelled"
    await editor.wait_for(lambda: not Path(f"/proc/{pid}").exists(), timeout=10)


def mcp_config(extra_servers: str = "") -> str:
    return (
        'approval_policy = "untrusted"\n'
        f'[mcp_servers.calc]\ncommand = "{sys.executable}"\nargs = ["{MCP_SERVER}"]\nstartup_timeout_sec = 20\n'
        + extra_servers
    )


async def test_mcp_tool_called_with_approval_and_a_failing_server_does_not_break_the_turn(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    broken = '[mcp_servers.broken]\ncommand = "/nonexistent/mcp-server"\n'
    write_config(codex_home, model.base_url, mcp_config(broken))
    model.script(Reply([FunctionCall("calc__add", {"a": 2, "b": 40})]), Reply([Text("It is 42.")]))
    await editor.start(codex_approval=True)
    editor.command_answers = ["approve"]
    result = await editor.command("codex.runTask", {"prompt": "add"}, timeout=60)
    assert result["status"] == "answered" and result["text"] == "It is 42."
    tools = [t["name"] for t in model.requests[0].body["tools"]]
    assert "calc__add" in tools and not any(t.startswith("broken__") for t in tools)
    request = editor.state.approve_commands[0]
    assert request["command"] == ["mcp", "calc", "add"]  # kept for older clients
    assert (request["kind"], request["server"], request["tool"]) == ("mcp", "calc", "add")
    assert request["message"] == 'Codex wants to call MCP tool `add` on server `calc` with arguments {"a": 2, "b": 40}'
    assert outputs(model, 1) == ["42"]
    status = await editor.command("codex.status", {})
    assert status["mcpServers"]["calc"]["state"] == "running"
    assert status["mcpServers"]["broken"]["state"] == "failed"
    assert "broken" in status["mcpServers"]["broken"]["error"]
    assert any("broken" in m["message"] for m in editor.state.messages)


async def test_mcp_and_shell_prompts_differ_and_session_approvals_do_not_cross(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    """Regression (issue 9, defects 1 and 18): approving MCP tool calc/add for the session
    does not let the shell command `mcp calc add` run unasked, and the prompts say which is which."""
    write_config(codex_home, model.base_url, 'sandbox_mode = "danger-full-access"\n' + mcp_config())
    model.script(
        Reply([FunctionCall("calc__add", {"a": 1, "b": 2})]),
        Reply([FunctionCall("calc__add", {"a": 3, "b": 4})]),
        Reply([FunctionCall("shell", {"command": ["mcp", "calc", "add"]})]),
        Reply([Text("done")]),
    )
    await editor.start()
    editor.message_answers = ["Run always this session", "Reject"]
    result = await editor.command("codex.runTask", {"prompt": "add, then run"}, timeout=60)
    assert result["status"] == "answered", result
    prompts = [m["message"] for m in editor.state.message_requests]
    assert prompts[0] == 'Codex wants to call MCP tool `add` on server `calc` with arguments {"a": 1, "b": 2}'
    assert len(prompts) == 2, prompts  # the second MCP call was approved for the session
    assert prompts[1].startswith("Codex wants to run the command: mcp calc add in "), prompts[1]
    assert outputs(model, 2) == ["3", "7"]
    assert "rejected by user" in outputs(model, 3)[-1]


async def test_crashed_mcp_server_is_restarted_and_reported_in_status(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    """Regression (issue 9, defect 11): a crashed MCP server stayed failed until a config reload."""
    write_config(codex_home, model.base_url, 'approval_policy = "never"\n' + mcp_config().split("\n", 1)[1])
    model.script(
        Reply([FunctionCall("calc__pid", {})]), Reply([Text("got the pid")]),
        Reply([FunctionCall("calc__add", {"a": 1, "b": 2})]), Reply([Text("it crashed")]),
        Reply([FunctionCall("calc__add", {"a": 1, "b": 2})]), Reply([Text("it is 3")]),
    )
    await editor.start()
    await editor.command("codex.runTask", {"prompt": "pid"}, timeout=60)
    pid = int(outputs(model, 1)[-1])
    os.kill(pid, signal.SIGKILL)
    result = await editor.command("codex.runTask", {"prompt": "add"}, timeout=60)
    assert result["status"] == "answered" and "exited" in outputs(model, 3)[-1]
    calc = (await editor.command("codex.status", {}))["mcpServers"]["calc"]
    assert calc["state"] == "failed" and "the server process exited" in calc["error"]
    assert calc["restarts"] == 0 and calc["retryInSec"] is not None and calc["retryInSec"] <= 1
    assert "calc__add" in calc["tools"]  # still offered: the next call restarts it
    await asyncio.sleep(calc["retryInSec"] + 0.2)
    result = await editor.command("codex.runTask", {"prompt": "add again"}, timeout=60)
    assert result["text"] == "it is 3" and outputs(model, 5)[-1] == "3"
    calc = (await editor.command("codex.status", {}))["mcpServers"]["calc"]
    assert (calc["state"], calc["restarts"], calc["error"]) == ("running", 1, None)


async def test_thread_persisted_server_restarted_thread_resumed(
    workspace: Path, editor_env: dict[str, str], model: ScriptedModelServer, codex_home: Path
) -> None:
    model.script(Reply([Text("First answer.")]), Reply([Text("Second answer.")]))
    first = Editor(workspace, editor_env)
    try:
        await first.start()
        result = await first.command("codex.ask", {"prompt": "first question"})
        thread_id = result["threadId"]
    finally:
        await first.stop()
    session = codex_home / "sessions" / f"{thread_id}.jsonl"
    with open(session, "a") as fh:
        fh.write('{"type": "item", "item": {"type": "mess')  # a torn last line
    second = Editor(workspace, editor_env)
    try:
        await second.start()
        listed = await second.command("codex.listThreads", {})
        assert [t["threadId"] for t in listed["threads"]] == [thread_id]
        assert listed["threads"][0]["title"] == "first question"
        resumed = await second.command("codex.resumeThread", {"threadId": thread_id})
        assert resumed["history"] == [
            {"role": "user", "text": "first question"},
            {"role": "assistant", "text": "First answer."},
        ]
        assert resumed["transcript"] == [
            {"kind": "user", "text": "first question"},
            {"kind": "assistant", "text": "First answer."},
        ]
        again = await second.command("codex.ask", {"prompt": "second question"})
        assert again["threadId"] == thread_id
        texts = [i["content"][0]["text"] for i in model.requests[1].body["input"]]
        assert texts == ["first question", "First answer.", "second question"]
        fresh = await second.command("codex.newThread", {})
        assert fresh["threadId"] != thread_id
        missing = await second.command("codex.resumeThread", {"threadId": "nope"})
        assert missing["status"] == "failed" and "unknown thread" in missing["error"]
    finally:
        await second.stop()


UPDATE = "*** Update File: hello.py\n@@\n def greet(name):\n-    return 'hi ' + name\n+    return 'hello ' + name\n"


async def test_undo_restores_the_text(editor: Editor, model: ScriptedModelServer, workspace: Path) -> None:
    (workspace / "gone.py").write_text("x = 1\n")
    model.script(
        Reply([patch(UPDATE + "*** Add File: new.py\n+y = 2\n*** Delete File: gone.py\n")]),
        Reply([Text("done")]),
    )
    await editor.start()
    uri = editor.open("hello.py")
    original = editor.state.docs[uri].text
    editor.message_answers = ["Apply"]
    assert (await editor.command("codex.runTask", {"prompt": "edit"}))["status"] == "applied"
    editor.type_text(uri, 4, 0, "# user line at the end\n")  # unrelated lines: undo still works
    result = await editor.command("codex.undo", {})
    assert result["status"] == "applied", result
    assert sorted(result["changedFiles"]) == ["gone.py", "hello.py", "new.py"]
    assert editor.state.docs[uri].text == original.replace("print(", "# user line at the end\nprint(")
    assert not (workspace / "new.py").exists()
    assert (workspace / "gone.py").read_text() == "x = 1\n"
    again = await editor.command("codex.undo", {})
    assert again["status"] == "failed" and "Nothing to undo" in again["error"]


async def test_undo_is_refused_when_the_user_changed_those_lines(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Reply([patch(UPDATE)]), Reply([Text("done")]))
    await editor.start()
    uri = editor.open("hello.py")
    editor.message_answers = ["Apply"]
    assert (await editor.command("codex.runTask", {"prompt": "edit"}))["status"] == "applied"
    editor.type_text(uri, 1, 4, "# mine ")
    edited = editor.state.docs[uri].text
    result = await editor.command("codex.undo", {})
    assert result["status"] == "failed"
    assert "hello.py: the lines Codex changed were edited since; undo refused" == result["error"]
    assert editor.state.docs[uri].text == edited
    assert len(editor.state.apply_edits) == 1


async def test_long_history_is_compacted(editor: Editor, model: ScriptedModelServer, codex_home: Path) -> None:
    write_config(codex_home, model.base_url, "model_auto_compact_token_limit = 200")
    long_answer = "word " * 400
    model.script(Reply([Text(long_answer)]), Reply([Text("SUMMARY: user asked twice.")]), Reply([Text("ok")]))
    await editor.start()
    await editor.command("codex.ask", {"prompt": "tell me a lot"})
    result = await editor.command("codex.ask", {"prompt": "and now?"})
    assert result["status"] == "answered" and result["text"] == "ok"
    summary_request = model.requests[1].body
    assert summary_request["tools"] == []
    assert summary_request["input"][-1]["content"][0]["text"].startswith("Summarise this conversation")
    final = [i["content"][0]["text"] for i in model.requests[2].body["input"]]
    assert final == [
        "Summary of the conversation so far (earlier messages were compacted):\nSUMMARY: user asked twice.",
        "and now?",
    ]
    assert any(e["type"] == "notice" and "Compacting" in e["message"] for e in editor.state.events)


@needs_bwrap
async def test_on_failure_offers_a_rerun_outside_the_sandbox(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, 'approval_policy = "on-failure"\nsandbox_mode = "workspace-write"')
    outside = Path(tempfile.mkdtemp(prefix="codex-lsp-onfailure-", dir="/var/tmp"))
    target = outside / "made.txt"
    model.script(Reply([FunctionCall("shell", {"command": ["touch", str(target)]})]), Reply([Text("done")]))
    await editor.start()
    editor.message_answers = ["Run"]
    try:
        result = await editor.command("codex.runTask", {"prompt": "touch outside"})
        assert result["status"] == "answered"
        prompts = [m["message"] for m in editor.state.message_requests]
        assert len(prompts) == 1 and "failed in the sandbox (workspace-write)" in prompts[0]
        assert outputs(model, 1)[-1].startswith("Exit code: 0")
        assert target.exists()
    finally:
        shutil.rmtree(outside)
