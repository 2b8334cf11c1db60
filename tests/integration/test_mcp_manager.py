"""McpManager against a real MCP server process (tests/support/mcp_server.py).

Nothing of ours is mocked: the manager spawns the server over stdio (or talks
streamable HTTP to it) through the official SDK. Only the editor side is faked:
`FakeHost` answers approval questions from a script and records them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.approvals import ActionKey, ApprovalPolicy, SessionApprovals
from codex_lsp.config.model import McpServerConfig
from codex_lsp.core.protocol import CommandRequest, Decision
from codex_lsp.core.workspace import Workspace
from codex_lsp.mcp import REJECTED_OUTPUT, McpManager, McpTool
from codex_lsp.tools.base import ToolContext, ToolFailure
from codex_lsp.tools.shell import ShellTool
from tests.unit.test_shell_support import NO_BWRAP, FakeEditor, make_ctx

SERVER = Path(__file__).resolve().parents[1] / "support" / "mcp_server.py"
ALL_TOOLS = {"add", "echo", "slow", "fail", "pid", "picture"}
TEST_TIMEOUT = 40.0


def stdio(*args: str, **kw: Any) -> McpServerConfig:
    return McpServerConfig(command=sys.executable, args=[str(SERVER), *args], **kw)


class FakeHost:
    """The editor: answers command approvals from a list, records the questions."""

    def __init__(self, *answers: Decision) -> None:
        self.answers = list(answers)
        self.asked: list[CommandRequest] = []

    def snapshot(self, path: Path) -> None:
        return None

    async def emit(self, event: Any) -> None:
        pass

    async def review_edit(self, proposal: Any) -> Any:
        raise AssertionError("not used")

    async def apply_edit(self, proposal: Any) -> Any:
        raise AssertionError("not used")

    async def approve_command(self, request: CommandRequest) -> Decision:
        self.asked.append(request)
        assert self.answers, f"unexpected approval question: {request}"
        return self.answers.pop(0)


async def _no_events(event: Any) -> None:
    pass


def context(
    host: FakeHost, tmp_path: Path, policy: ApprovalPolicy = ApprovalPolicy.ON_REQUEST
) -> ToolContext:
    return ToolContext(
        thread_id="t1",
        workspace=Workspace([tmp_path]),
        host=host,
        policy=policy,
        approvals=SessionApprovals(),
        emit=_no_events,
    )


@pytest.fixture
async def start() -> AsyncIterator[Callable[..., Any]]:
    """Start a manager for the given servers; always closed (bounded) at teardown."""
    managers: list[McpManager] = []

    async def _start(env: dict[str, str] | None = None, **servers: McpServerConfig) -> McpManager:
        manager = McpManager(servers, dict(os.environ) if env is None else env)
        managers.append(manager)
        async with asyncio.timeout(TEST_TIMEOUT):
            await manager.start()
        return manager

    yield _start
    for manager in managers:
        async with asyncio.timeout(30):
            await manager.aclose()


def tool(manager: McpManager, name: str) -> McpTool:
    found = {t.name: t for t in manager.tools()}
    assert name in found, sorted(found)
    result = found[name]
    assert isinstance(result, McpTool)
    return result


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# ---- start-up and listing -------------------------------------------------------


async def test_tools_are_listed_with_server_prefix(start: Any) -> None:
    manager = await start(test=stdio())
    names = {t.name for t in manager.tools()}
    assert names == {f"test__{n}" for n in ALL_TOOLS}
    add = tool(manager, "test__add")
    assert add.description == "Add two integers."
    assert add.parameters["type"] == "object"
    assert set(add.parameters["properties"]) == {"a", "b"}
    assert add.parameters["required"] == ["a", "b"]
    assert (add.server, add.tool) == ("test", "add")
    status = manager.status()["test"]
    assert status["state"] == "running"
    assert status["transport"] == "stdio"
    assert status["error"] is None
    assert set(status["tools"]) == names


async def test_enabled_and_disabled_tools_filter(start: Any) -> None:
    manager = await start(
        only=stdio(enabled_tools=["add", "echo", "slow"], disabled_tools=["slow"]),
        hide=stdio(disabled_tools=["fail", "slow"]),
    )
    names = {t.name for t in manager.tools()}
    assert {n for n in names if n.startswith("only__")} == {"only__add", "only__echo"}
    assert {n for n in names if n.startswith("hide__")} == {
        f"hide__{n}" for n in ALL_TOOLS - {"fail", "slow"}
    }


async def test_disabled_server_is_not_started(start: Any) -> None:
    manager = await start(off=stdio(enabled=False), on=stdio(enabled_tools=["add"]))
    assert manager.status()["off"] == {
        "state": "disabled",
        "transport": "stdio",
        "tools": [],
        "error": None,
        "restarts": 0,
        "retryInSec": None,
    }
    assert [t.name for t in manager.tools()] == ["on__add"]


async def test_failing_servers_are_reported_and_the_good_one_works(
    start: Any, tmp_path: Path
) -> None:
    began = time.monotonic()
    manager = await start(
        good=stdio(enabled_tools=["add"]),
        missing=McpServerConfig(command="codex-lsp-no-such-command-xyz"),
        dies=stdio("--mode", "exit"),
        hangs=stdio("--mode", "hang", startup_timeout_sec=1.5),
        nowhere=stdio(cwd=str(tmp_path / "does-not-exist")),
    )
    # Started concurrently: the hanging one's timeout bounds the whole start-up.
    assert time.monotonic() - began < 15
    status = manager.status()
    assert status["good"]["state"] == "running"
    for name in ("missing", "dies", "hangs", "nowhere"):
        assert status[name]["state"] == "failed", status[name]
        assert status[name]["tools"] == []
        assert status[name]["error"].startswith(f"mcp server {name!r} failed to start: ")
    assert "command not found: codex-lsp-no-such-command-xyz" in status["missing"]["error"]
    assert "exited" in status["dies"]["error"]
    assert "refusing to start (--mode exit)" in status["dies"]["error"]  # its stderr
    assert "did not start within 1.5s" in status["hangs"]["error"]
    assert "working directory does not exist" in status["nowhere"]["error"]
    assert len(manager.errors()) == 4

    assert [t.name for t in manager.tools()] == ["good__add"]
    host = FakeHost()
    ctx = context(host, tmp_path, ApprovalPolicy.NEVER)
    assert await tool(manager, "good__add").run(ctx, {"a": 2, "b": 40}) == "42"


async def test_startup_timeout_returns_on_time(start: Any) -> None:
    began = time.monotonic()
    manager = await start(hangs=stdio("--mode", "hang", startup_timeout_sec=1))
    # Reported at the deadline; the child's teardown continues in the background.
    assert time.monotonic() - began < 2.5
    assert manager.status()["hangs"]["state"] == "failed"
    async with asyncio.timeout(20):
        await manager.aclose()
    assert manager.status()["hangs"]["state"] == "failed"


# ---- calls and approvals --------------------------------------------------------


async def test_approved_call_runs_and_asks_with_arguments(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    host = FakeHost("approve", "approve")
    ctx = context(host, tmp_path)
    add = tool(manager, "test__add")
    assert await add.run(ctx, {"a": 1, "b": 2}) == "3"
    assert await add.run(ctx, {"a": 5, "b": 5}) == "10"
    assert len(host.asked) == 2  # "approve" is for this call only
    request = host.asked[0]
    assert request.thread_id == "t1"
    assert request.command == ["mcp", "test", "add"]
    assert (request.kind, request.server, request.tool) == ("mcp", "test", "add")
    assert request.cwd == ctx.workspace.primary
    assert request.reason == '{"a": 1, "b": 2}'
    assert ctx.approvals.actions == set()


async def test_rejected_call_is_not_run(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    host = FakeHost("reject")
    ctx = context(host, tmp_path)
    out = await tool(manager, "test__echo").run(ctx, {"text": "hi"})
    assert out == REJECTED_OUTPUT == "tool call rejected by user"
    assert len(host.asked) == 1


async def test_approve_for_session_is_remembered_per_tool(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    host = FakeHost("approveForSession", "approve")
    ctx = context(host, tmp_path)
    echo = tool(manager, "test__echo")
    assert await echo.run(ctx, {"text": "one"}) == "one"
    assert await echo.run(ctx, {"text": "two"}) == "two"  # not asked again
    assert len(host.asked) == 1
    assert ctx.approvals.approved(ActionKey.mcp("test", "echo"))
    # The key is an MCP key: the shell command with the same words is not approved.
    assert not ctx.approvals.approved(ActionKey.shell(["mcp", "test", "echo"]))
    # Another tool of the same server still needs its own approval.
    assert await tool(manager, "test__add").run(ctx, {"a": 1, "b": 1}) == "2"
    assert [r.command for r in host.asked] == [["mcp", "test", "echo"], ["mcp", "test", "add"]]


@pytest.mark.parametrize("mode", ["danger-full-access", "workspace-write"])
async def test_mcp_session_approval_does_not_let_the_shell_command_run(
    start: Any, tmp_path: Path, mode: str
) -> None:
    """Regression (issue 9, defect 1): approving MCP tool docs/echo for the session
    once let the shell command `mcp docs echo` run unsandboxed without a question."""
    manager = await start(docs=stdio(enabled_tools=["echo"]))
    editor = FakeEditor("approveForSession", "reject")
    ctx = make_ctx(tmp_path, editor, policy="untrusted", sandbox_mode=mode)
    echo = tool(manager, "docs__echo")
    assert await echo.run(ctx, {"text": "a"}) == "a"
    assert await echo.run(ctx, {"text": "b"}) == "b"  # approved for the session
    with pytest.raises(ToolFailure, match="command rejected by user"):
        await ShellTool(NO_BWRAP).run(ctx, {"command": ["mcp", "docs", "echo"]})
    assert [(r.kind, r.command) for r in editor.requests] == [
        ("mcp", ["mcp", "docs", "echo"]),
        ("shell", ["mcp", "docs", "echo"]),
    ]


async def test_shell_session_approval_does_not_approve_the_mcp_tool(
    start: Any, tmp_path: Path
) -> None:
    manager = await start(docs=stdio(enabled_tools=["echo"]))
    host = FakeHost("reject")
    ctx = context(host, tmp_path, ApprovalPolicy.UNTRUSTED)
    ctx.approvals.approve(ActionKey.shell(["mcp", "docs", "echo"]))
    assert await tool(manager, "docs__echo").run(ctx, {"text": "x"}) == REJECTED_OUTPUT
    assert len(host.asked) == 1


async def test_policy_never_does_not_ask(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    host = FakeHost()  # any question fails the test
    ctx = context(host, tmp_path, ApprovalPolicy.NEVER)
    assert await tool(manager, "test__echo").run(ctx, {"text": "x"}) == "x"
    assert host.asked == []


async def test_long_arguments_are_truncated_in_the_question(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    host = FakeHost("approve")
    ctx = context(host, tmp_path)
    text = "y" * 5000
    assert await tool(manager, "test__echo").run(ctx, {"text": text}) == text
    reason = host.asked[0].reason
    assert reason is not None and len(reason) <= 500 and reason.endswith("…")


async def test_error_result_is_a_tool_failure(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    with pytest.raises(ToolFailure, match=r"kaput$"):
        await tool(manager, "test__fail").run(ctx, {"message": "kaput"})
    assert manager.status()["test"]["state"] == "running"


async def test_image_content_is_summarised(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    out = await tool(manager, "test__picture").run(ctx, {})
    assert out.splitlines()[0] == "a tiny picture"
    assert out.splitlines()[1].startswith("[image: image/png, ")


async def test_tool_timeout(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio(tool_timeout_sec=0.5))
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    began = time.monotonic()
    with pytest.raises(ToolFailure, match=r"mcp tool 'slow' on server 'test' timed out after 0.5s"):
        await tool(manager, "test__slow").run(ctx, {"seconds": 10})
    assert time.monotonic() - began < 5
    # The server is still usable afterwards.
    assert await tool(manager, "test__add").run(ctx, {"a": 1, "b": 1}) == "2"


async def test_cancelled_call_leaves_the_server_usable(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    call = asyncio.create_task(tool(manager, "test__slow").run(ctx, {"seconds": 30}))
    await asyncio.sleep(0.5)
    call.cancel()
    async with asyncio.timeout(5):
        with pytest.raises(asyncio.CancelledError):
            await call
    assert manager.status()["test"]["state"] == "running"
    results = await asyncio.gather(
        *(tool(manager, "test__add").run(ctx, {"a": i, "b": 1}) for i in range(5))
    )
    assert results == ["1", "2", "3", "4", "5"]


async def test_crashed_server_fails_fast_in_backoff_then_restarts(
    start: Any, tmp_path: Path
) -> None:
    """Regression (issue 9, defect 11): a crashed server stayed failed until a config reload."""
    manager = await start(test=stdio(), other=stdio(enabled_tools=["echo"]))
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    held = tool(manager, "test__add")  # a tool object the engine still holds
    pid = int(await tool(manager, "test__pid").run(ctx, {}))
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ToolFailure, match="exited"):
        await tool(manager, "test__echo").run(ctx, {"text": "hi"})
    status = manager.status()["test"]
    assert status["state"] == "failed"
    assert "mcp server 'test' failed: the server process exited" in status["error"]
    assert status["restarts"] == 0 and 0 < status["retryInSec"] <= 1.0
    # Its tools stay on offer (a call restarts it); during the backoff a call fails at
    # once, saying when it will be retried, without asking the user first.
    assert {f"test__{n}" for n in ALL_TOOLS} <= {t.name for t in manager.tools()}
    began = time.monotonic()
    with pytest.raises(ToolFailure, match=r"exited.*restarted by the first call after [01]\.\ds"):
        await held.run(context(FakeHost(), tmp_path), {"a": 1, "b": 2})
    assert time.monotonic() - began < 0.5
    assert await tool(manager, "other__echo").run(ctx, {"text": "ok"}) == "ok"

    await asyncio.sleep(manager.servers["test"].backoff.remaining() + 0.05)
    assert manager.status()["test"]["retryInSec"] == 0
    # Two calls at once share one restart.
    sums = await asyncio.gather(held.run(ctx, {"a": 1, "b": 2}), held.run(ctx, {"a": 2, "b": 2}))
    assert sums == ["3", "4"]
    new_pid = int(await tool(manager, "test__pid").run(ctx, {}))
    assert new_pid != pid and pid_alive(new_pid)
    status = manager.status()["test"]
    assert (status["state"], status["error"], status["restarts"]) == ("running", None, 1)
    assert status["retryInSec"] is None
    async with asyncio.timeout(20):
        await manager.aclose()
    assert not pid_alive(new_pid)  # the restarted child is stopped like the first


async def test_failed_restart_backs_off_longer_and_is_reported(
    start: Any, tmp_path: Path
) -> None:
    flag = tmp_path / "refuse"
    manager = await start(test=stdio("--exit-if-exists", str(flag)))
    conn = manager.servers["test"]
    conn.backoff.base = 0.2  # 0.2 s, 0.4 s, ...: the same schedule, faster
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    pid = int(await tool(manager, "test__pid").run(ctx, {}))
    flag.touch()  # from now on the server refuses to start
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ToolFailure, match="exited"):
        await tool(manager, "test__add").run(ctx, {"a": 1, "b": 1})
    await asyncio.sleep(conn.backoff.remaining() + 0.02)
    with pytest.raises(ToolFailure, match=r"failed to restart: .*refusing to start"):
        await tool(manager, "test__add").run(ctx, {"a": 1, "b": 1})
    status = manager.status()["test"]
    assert (status["state"], status["restarts"]) == ("failed", 1)
    assert 0.2 < status["retryInSec"] <= 0.4  # the second failure in a row waits twice as long
    with pytest.raises(ToolFailure, match=r"restart attempts so far: 1\)"):
        await tool(manager, "test__add").run(ctx, {"a": 1, "b": 1})
    flag.unlink()
    await asyncio.sleep(conn.backoff.remaining() + 0.02)
    assert await tool(manager, "test__add").run(ctx, {"a": 1, "b": 1}) == "2"
    assert manager.status()["test"]["restarts"] == 2
    assert manager.status()["test"]["state"] == "running"


async def test_server_that_never_started_is_not_restarted(start: Any, tmp_path: Path) -> None:
    manager = await start(dies=stdio("--mode", "exit"))
    status = manager.status()["dies"]
    assert (status["state"], status["restarts"], status["retryInSec"]) == ("failed", 0, None)
    assert manager.tools() == []
    with pytest.raises(ToolFailure, match="failed to start"):
        await manager.servers["dies"].ensure_running()
    assert manager.status()["dies"]["restarts"] == 0


async def test_no_restart_after_aclose(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    pid = int(await tool(manager, "test__pid").run(ctx, {}))
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ToolFailure, match="exited"):
        await tool(manager, "test__add").run(ctx, {"a": 1, "b": 1})
    await manager.aclose()
    manager.servers["test"].backoff.retry_at = None  # the backoff is over
    with pytest.raises(ToolFailure, match="exited"):
        await manager.servers["test"].ensure_running()
    assert manager.status()["test"]["restarts"] == 0 and manager.tools() == []


async def test_aclose_terminates_the_child(start: Any, tmp_path: Path) -> None:
    manager = await start(test=stdio())
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    pid = int(await tool(manager, "test__pid").run(ctx, {}))
    assert pid_alive(pid)
    began = time.monotonic()
    async with asyncio.timeout(20):
        await manager.aclose()
    assert time.monotonic() - began < 10
    # The SDK waits for the exit before returning, so the pid is gone already.
    assert not pid_alive(pid)
    assert manager.status()["test"]["state"] == "stopped"
    assert manager.tools() == []
    with pytest.raises(ToolFailure, match="stopped"):
        await manager.servers["test"].call_tool("add", {"a": 1, "b": 2})
    await manager.aclose()  # idempotent


async def test_aclose_during_startup_does_not_hang(tmp_path: Path) -> None:
    manager = McpManager({"hangs": stdio("--mode", "hang", startup_timeout_sec=30)}, os.environ)
    starting = asyncio.create_task(manager.start())
    await asyncio.sleep(1.0)
    async with asyncio.timeout(20):
        await manager.aclose()
        await starting
    assert manager.status()["hangs"]["state"] == "stopped"


# ---- streamable HTTP ----------------------------------------------------------------


@pytest.fixture
def http_server() -> Iterator[tuple[str, str]]:
    """The test server over streamable HTTP on 127.0.0.1, requiring a bearer token."""
    token = "test-token-123"
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--http", "--token", token],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the socket is bound
        if not line.startswith("LISTENING "):
            pytest.skip(f"HTTP test server did not start: {line!r}")
        yield line.split()[1], token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


async def test_streamable_http_with_bearer_token(
    start: Any, http_server: tuple[str, str], tmp_path: Path
) -> None:
    url, token = http_server
    manager = await start(
        env={"MY_TOKEN": token},
        web=McpServerConfig(
            url=url,
            bearer_token_env_var="MY_TOKEN",
            http_headers={"X-Test": "1"},
            enabled_tools=["echo", "slow"],
            tool_timeout_sec=1,
        ),
    )
    status = manager.status()["web"]
    assert status["state"] == "running", status
    assert status["transport"] == "http"
    assert sorted(t.name for t in manager.tools()) == ["web__echo", "web__slow"]
    host = FakeHost("approve")
    ctx = context(host, tmp_path)
    assert await tool(manager, "web__echo").run(ctx, {"text": "over http"}) == "over http"
    assert host.asked[0].command == ["mcp", "web", "echo"]
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    with pytest.raises(ToolFailure, match="timed out after 1s"):
        await tool(manager, "web__slow").run(ctx, {"seconds": 10})


async def test_streamable_http_failures_are_reported(
    start: Any, http_server: tuple[str, str]
) -> None:
    url, _token = http_server
    with socket_closed_port() as closed_url:
        manager = await start(
            env={"BAD": "wrong-token"},
            bad_token=McpServerConfig(url=url, bearer_token_env_var="BAD", startup_timeout_sec=5),
            no_token=McpServerConfig(url=url, bearer_token_env_var="UNSET_VAR_XYZ"),
            refused=McpServerConfig(url=closed_url, startup_timeout_sec=5),
        )
    status = manager.status()
    assert all(s["state"] == "failed" for s in status.values()), status
    assert "HTTP 401 Unauthorized" in status["bad_token"]["error"]
    assert "check the token in $BAD" in status["bad_token"]["error"]
    assert "UNSET_VAR_XYZ (bearer_token_env_var) is not set" in status["no_token"]["error"]
    assert "cannot reach" in status["refused"]["error"]


class socket_closed_port:
    """A URL on 127.0.0.1 where nothing listens."""

    def __enter__(self) -> str:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}/mcp"

    def __exit__(self, *exc: object) -> None:
        pass
