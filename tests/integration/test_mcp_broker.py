"""The MCP broker (a real process, `codex_lsp.daemon.broker.serve`) shares servers between
managers with identical entries, keeps an unused one warm, and its loss is a fallback.

Each `McpManager` stands for one window (`broker=` is what the zygote gives its windows);
the MCP server is the real test server, its process id read through its `pid` tool.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.approvals import ApprovalPolicy
from codex_lsp.config.model import McpServerConfig
from codex_lsp.mcp import McpManager
from codex_lsp.mcp.resources import resource_tools
from codex_lsp.tools.base import ToolFailure
from tests.integration.test_mcp_manager import FakeHost, context, pid_alive, stdio, tool

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 40.0


class Broker:
    """A broker process; closing `pipe` (the zygote's end) ends it."""

    def __init__(self, folder: Path, idle: str) -> None:
        self.path = folder / "broker-test.sock"
        read_end, self.pipe = os.pipe()
        code = (
            "import sys, pathlib; from codex_lsp.daemon.broker import serve; "
            "sys.exit(serve(pathlib.Path(sys.argv[1]), int(sys.argv[2])))"
        )
        env = {**os.environ, "CODEX_LSP_MCP_IDLE": idle, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(self.path), str(read_end)],
            pass_fds=(read_end,), env=env, cwd="/",
        )
        os.close(read_end)

    async def ready(self) -> None:
        async with asyncio.timeout(TIMEOUT):
            while not self.path.exists():
                assert self.process.poll() is None, "the broker exited"
                await asyncio.sleep(0.02)

    def end(self) -> None:
        if self.pipe >= 0:
            os.close(self.pipe)
            self.pipe = -1
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="cxb", dir="/tmp"))
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


@pytest.fixture
async def broker(folder: Path) -> AsyncIterator[Broker]:
    running = Broker(folder, idle="600")
    await running.ready()
    yield running
    running.end()


@pytest.fixture
async def window() -> AsyncIterator[Callable[..., Any]]:
    """`window(broker, env, **servers)`: a started manager through the broker (closed after)."""
    managers: list[McpManager] = []

    async def _open(broker: Broker, env: dict[str, str] | None = None,
                    **servers: McpServerConfig) -> McpManager:
        manager = McpManager(servers, dict(os.environ) if env is None else env, str(broker.path))
        managers.append(manager)
        async with asyncio.timeout(TIMEOUT):
            await manager.start()
        return manager

    yield _open
    for manager in managers:
        async with asyncio.timeout(30):
            await manager.aclose()


async def server_pid(manager: McpManager, tmp_path: Path) -> int:
    async with asyncio.timeout(TIMEOUT):
        out = await tool(manager, "test__pid").run(
            context(FakeHost(), tmp_path, ApprovalPolicy.NEVER), {}
        )
    return int(out)


async def test_identical_entries_share_one_process_that_outlives_its_first_window(
    broker: Broker, window: Any, tmp_path: Path
) -> None:
    first = await window(broker, test=stdio())
    second = await window(broker, test=stdio())
    shared = await server_pid(first, tmp_path)
    assert await server_pid(second, tmp_path) == shared
    assert second.status()["test"]["state"] == "running"
    assert second.status()["test"]["tools"] == [f"test__{t}" for t in
                                               ("add", "echo", "slow", "fail", "pid", "picture")]
    await first.aclose()
    assert first.status()["test"]["state"] == "stopped"  # this window's view
    assert await server_pid(second, tmp_path) == shared
    await second.aclose()
    third = await window(broker, test=stdio())  # a reload, within the idle period
    assert await server_pid(third, tmp_path) == shared
    assert broker.process.pid != shared and pid_alive(shared)


async def test_a_different_environment_or_entry_gets_its_own_process(
    broker: Broker, window: Any, tmp_path: Path
) -> None:
    plain = await window(broker, test=stdio())
    other_env = await window(broker, test=stdio(env={"FLAVOUR": "b"}))
    other_home = await window(broker, {**os.environ, "HOME": str(tmp_path)}, test=stdio())
    pids = {await server_pid(m, tmp_path) for m in (plain, other_env, other_home)}
    assert len(pids) == 3


async def test_a_cancelled_call_ends_in_the_broker_and_the_server_goes_on(
    broker: Broker, window: Any, tmp_path: Path
) -> None:
    manager = await window(broker, test=stdio())
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    slow = asyncio.create_task(tool(manager, "test__slow").run(ctx, {"seconds": 30}))
    await asyncio.sleep(0.5)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    async with asyncio.timeout(TIMEOUT):  # not stuck behind the cancelled call
        assert await tool(manager, "test__add").run(ctx, {"a": 2, "b": 3}) == "5"


async def test_resources_and_tool_errors_travel_through_the_broker(
    broker: Broker, window: Any, tmp_path: Path
) -> None:
    manager = await window(broker, test=stdio())
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    listing, _templates, read = resource_tools(manager)
    async with asyncio.timeout(TIMEOUT):
        listed = await listing.run(ctx, {"server": "test"})
        text = await read.run(ctx, {"server": "test", "uri": "test://readme"})
        with pytest.raises(ToolFailure, match="kaboom"):
            await tool(manager, "test__fail").run(ctx, {"message": "kaboom"})
    assert '"uri":"test://readme"' in listed.replace(" ", "")
    assert "Read me first." in text


async def test_a_killed_broker_means_a_private_server_for_the_next_call(
    broker: Broker, window: Any, tmp_path: Path
) -> None:
    manager = await window(broker, test=stdio())
    shared = await server_pid(manager, tmp_path)
    broker.process.send_signal(signal.SIGKILL)
    broker.process.wait(30)
    own = await server_pid(manager, tmp_path)
    assert own != shared
    assert manager.status()["test"]["state"] == "running"
    await manager.aclose()
    assert not pid_alive(own)


async def test_no_broker_means_a_private_server(
    folder: Path, window: Any, tmp_path: Path
) -> None:
    missing = Broker.__new__(Broker)
    missing.path = folder / "none.sock"
    manager = await window(missing, test=stdio())
    assert manager.status()["test"]["state"] == "running"
    assert await server_pid(manager, tmp_path) > 0


async def test_the_broker_stops_its_servers_when_the_zygote_ends(
    broker: Broker, window: Any, tmp_path: Path
) -> None:
    manager = await window(broker, test=stdio())
    shared = await server_pid(manager, tmp_path)
    broker.end()
    assert broker.process.returncode == 0
    async with asyncio.timeout(TIMEOUT):
        while pid_alive(shared):
            await asyncio.sleep(0.05)
    assert not broker.path.exists()


async def test_an_unused_server_stops_after_the_idle_period(
    folder: Path, window: Any, tmp_path: Path
) -> None:
    quick = Broker(folder, idle="0.2")
    await quick.ready()
    try:
        manager = await window(quick, test=stdio())
        shared = await server_pid(manager, tmp_path)
        await manager.aclose()
        async with asyncio.timeout(TIMEOUT):
            while pid_alive(shared):
                await asyncio.sleep(0.05)
        again = await window(quick, test=stdio())
        assert await server_pid(again, tmp_path) != shared
    finally:
        quick.end()


async def test_a_crash_seen_by_one_window_shows_in_the_others_status(
    broker: Broker, window: Any, tmp_path: Path
) -> None:
    first = await window(broker, test=stdio())
    second = await window(broker, test=stdio())
    shared = await server_pid(first, tmp_path)
    os.kill(shared, signal.SIGKILL)
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    async with asyncio.timeout(TIMEOUT):
        with pytest.raises(ToolFailure, match="exited"):
            await tool(first, "test__add").run(ctx, {"a": 1, "b": 2})
        while second.status()["test"]["state"] != "failed":  # told, without asking
            await asyncio.sleep(0.02)
    status = second.status()["test"]
    assert "the server process exited" in status["error"] and status["retryInSec"] is not None
    assert "test__add" in status["tools"]  # still offered: the next call restarts it
    async with asyncio.timeout(TIMEOUT):
        await asyncio.sleep(status["retryInSec"] + 0.2)
        assert await tool(second, "test__add").run(ctx, {"a": 1, "b": 2}) == "3"
    assert (first.status()["test"]["state"], first.status()["test"]["restarts"]) == ("running", 1)
    assert await server_pid(first, tmp_path) == await server_pid(second, tmp_path) != shared
