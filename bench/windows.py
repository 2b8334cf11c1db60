"""Memory of N editor windows (1, 3, 10): codex-lsp private servers, codex-lsp through the
daemon, and Codex (one `codex app-server` per window).

With an MCP server configured (a small stdio server, `tests/support/mcp_server.py`), the
`mcp_` rows add that server's processes: one per window for private servers, one in all
through the daemon (its broker shares it). Codex has no row there: its app-server starts MCP
servers with a thread, not with the window.

Every window of a side runs in one sandbox (one CODEX_HOME, as one user's windows do), so
the daemon's zygote is shared by them. The figure is the proportional set size (PSS) summed
over every process of the sandbox: pages a forked server shares with the zygote (or with
its siblings) are counted once in total, where a sum of RSS would count them per process.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.lsp_side import LspEditor
from bench.sides import CodexSide, LspSide

if TYPE_CHECKING:
    from bench.sections import Bench

WINDOWS = (1, 3, 10)
MCP_WINDOWS = (1, 3)
MCP_SERVER = Path(__file__).resolve().parents[1] / "tests" / "support" / "mcp_server.py"
SETTLE_S = 1.0
"""Pause after the last window started, so start-up garbage is collected."""


def pss_mb(pid: int) -> float:
    """Proportional set size of `pid` in MB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return 0.0
    return 0.0


def sandbox_pids(home: Path) -> list[int]:
    """Live processes started with `CODEX_HOME=home` (servers, stubs, zygote, children)."""
    marker = b"CODEX_HOME=" + os.fsencode(home)
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if marker in env:
            pids.append(int(name))
    return pids


def sandbox_pss_mb(home: Path) -> float:
    return sum(pss_mb(pid) for pid in sandbox_pids(home))


async def lsp_windows(
    base_url: str, count: int, daemon: bool, mcp: bool = False
) -> tuple[float, int]:
    """PSS of `count` codex-lsp windows in one sandbox, through the daemon or not, and how
    many MCP server processes they run (with `mcp`: one stdio server configured)."""
    args = ("--daemon",) if daemon else ("--no-daemon",)
    tag = f"win{count}{'-daemon' if daemon else ''}{'-mcp' if mcp else ''}"
    side = LspSide(base_url, tag, server_args=args)
    if mcp:
        config = side.sandbox.home / "config.toml"
        config.write_text(config.read_text() + _mcp_entry(side.sandbox.home))
    more: list[LspEditor] = []
    try:
        await side.start()
        if daemon and not await side.wait_for_daemon():
            raise RuntimeError("the daemon's zygote never accepted a connection")
        for _ in range(count - 1):
            editor = LspEditor(side.sandbox, server_args=args)
            more.append(editor)
            await editor.start()
        if mcp:
            for editor in (side.editor, *more):
                await _mcp_running(editor)
        await asyncio.sleep(SETTLE_S)
        return sandbox_pss_mb(side.sandbox.home), len(mcp_pids(side.sandbox.home))
    finally:
        for editor in more:
            await editor.stop()
        await side.stop()


def _mcp_entry(home: Path) -> str:
    """The MCP server of the `mcp_` rows (its CODEX_HOME makes it one of the sandbox's)."""
    return (
        f'\n[mcp_servers.bench]\ncommand = "{sys.executable}"\nargs = ["{MCP_SERVER}"]\n'
        f'startup_timeout_sec = 60\nenv = {{ CODEX_HOME = "{home}" }}\n'
    )


def mcp_pids(home: Path) -> list[int]:
    """The sandbox's MCP server processes."""
    found = []
    for pid in sandbox_pids(home):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if os.fsencode(MCP_SERVER) in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


async def _mcp_running(editor: LspEditor, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = await editor.rpc.request(
            "workspace/executeCommand", {"command": "codex.status", "arguments": [{}]}
        )
        servers = (status or {}).get("mcpServers") or {}
        if servers.get("bench", {}).get("state") == "running":
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("the bench MCP server did not start")


async def codex_windows(base_url: str, count: int) -> float:
    """PSS of `count` Codex app-servers (each window starts its own)."""
    sides = [CodexSide(base_url, f"win{count}-{i}") for i in range(count)]
    try:
        for side in sides:
            await side.start()
        await asyncio.sleep(SETTLE_S)
        return sum(sandbox_pss_mb(side.sandbox.home) for side in sides)
    finally:
        for side in sides:
            await side.stop()


async def windows_run(bench: Bench) -> None:
    """Rows `windows_N_pss_mb` (private servers) and `daemon_windows_N_pss_mb`, vs Codex;
    then `mcp_windows_N_*` / `mcp_daemon_windows_N_*` (memory, MCP processes), codex-lsp only."""
    base_url = bench.model.base_url
    for count in WINDOWS:
        bench.add(f"windows_{count}_pss_mb", "lsp", (await lsp_windows(base_url, count, False))[0])
        bench.add(
            f"daemon_windows_{count}_pss_mb", "lsp",
            (await lsp_windows(base_url, count, True))[0],
        )
        if bench.codex:
            codex = await codex_windows(base_url, count)
            bench.add(f"windows_{count}_pss_mb", "codex", codex)
            bench.add(f"daemon_windows_{count}_pss_mb", "codex", codex)
    for count in MCP_WINDOWS:
        for daemon in (False, True):
            row = f"mcp_{'daemon_' if daemon else ''}windows_{count}"
            pss, servers = await lsp_windows(base_url, count, daemon, mcp=True)
            bench.add(f"{row}_pss_mb", "lsp", pss)
            bench.add(f"{row}_mcp_processes", "lsp", float(servers))
