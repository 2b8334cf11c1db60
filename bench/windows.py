"""Memory of N editor windows (1, 3, 10): codex-lsp private servers, codex-lsp through the
daemon, and Codex (one `codex app-server` per window).

Every window of a side runs in one sandbox (one CODEX_HOME, as one user's windows do), so
the daemon's zygote is shared by them. The figure is the proportional set size (PSS) summed
over every process of the sandbox: pages a forked server shares with the zygote (or with
its siblings) are counted once in total, where a sum of RSS would count them per process.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

from bench.lsp_side import LspEditor
from bench.sides import CodexSide, LspSide

if TYPE_CHECKING:
    from bench.sections import Bench

WINDOWS = (1, 3, 10)
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


async def lsp_windows(base_url: str, count: int, daemon: bool) -> float:
    """PSS of `count` codex-lsp windows in one sandbox, through the daemon or not."""
    args = ("--daemon",) if daemon else ("--no-daemon",)
    side = LspSide(base_url, f"win{count}{'-daemon' if daemon else ''}", server_args=args)
    more: list[LspEditor] = []
    try:
        await side.start()
        if daemon and not await side.wait_for_daemon():
            raise RuntimeError("the daemon's zygote never accepted a connection")
        for _ in range(count - 1):
            editor = LspEditor(side.sandbox, server_args=args)
            more.append(editor)
            await editor.start()
        await asyncio.sleep(SETTLE_S)
        return sandbox_pss_mb(side.sandbox.home)
    finally:
        for editor in more:
            await editor.stop()
        await side.stop()


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
    """Rows `windows_N_pss_mb` (private servers) and `daemon_windows_N_pss_mb`, vs Codex."""
    base_url = bench.model.base_url
    for count in WINDOWS:
        bench.add(f"windows_{count}_pss_mb", "lsp", await lsp_windows(base_url, count, False))
        bench.add(
            f"daemon_windows_{count}_pss_mb", "lsp", await lsp_windows(base_url, count, True)
        )
        if bench.codex:
            codex = await codex_windows(base_url, count)
            bench.add(f"windows_{count}_pss_mb", "codex", codex)
            bench.add(f"daemon_windows_{count}_pss_mb", "codex", codex)
