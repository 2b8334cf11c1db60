"""Suite 6: sandbox escapes. From the workspace-write sandbox (real bubblewrap), try what an
attacker's command would: write outside the workspace (directly, through a symlink, through
/proc/self/root, by remounting), rewrite `.git` (hooks, HEAD, moving it away: Codex keeps
`.git` read-only in workspace-write), reach a socket listening on the host's 127.0.0.1, and
fork without bound. Each attempt must be blocked; prints "FIGURES sandbox-escapes: ...".

Only where bubblewrap runs (skipped with the reason otherwise). The fork bombs are bounded
by the test itself (a fixed number of forks) as well as by the sandbox, to keep the shared
machine safe.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codex_lsp.sandbox.bwrap import Bubblewrap, per_namespace_nproc
from codex_lsp.sandbox.policy import SandboxPolicy
from codex_lsp.sandbox.process import run_process
from codex_lsp.tools.shell import ShellTool
from tests.integration.test_sandbox import _connect, listener  # noqa: F401 (fixture)
from tests.unit.test_shell_support import (
    BWRAP,
    ONLY_WORKSPACE,
    make_ctx,
    needs_bwrap,
    unique_sleep,
    wait_for_pids,
)

pytestmark = needs_bwrap

SYSTEM_PYTHON = "/usr/bin/python3"
"""Runnable by `nobody` (the test venv may live where only root can read)."""
TRIED: list[str] = []
BLOCKED: list[str] = []


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace with a git directory and hooks, and a sibling directory outside it."""
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    (ws / ".git" / "hooks").mkdir(parents=True)
    (ws / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    outside.mkdir()
    (outside / "secret.txt").write_text("original\n")
    return ws, outside


async def _run(ws: Path, script: str, timeout_ms: int = 10_000, bwrap: Bubblewrap = BWRAP) -> str:
    ctx = make_ctx(
        ws, policy="never", sandbox_mode="workspace-write", workspace_write=ONLY_WORKSPACE
    )
    args = {"command": ["bash", "-c", script], "timeout_ms": timeout_ms}
    return await asyncio.wait_for(ShellTool(bwrap).run(ctx, args), 30)


def _record(name: str, blocked: bool) -> None:
    TRIED.append(name)
    if blocked:
        BLOCKED.append(name)
    assert blocked, f"sandbox escape succeeded: {name}"


def _write_attempts(ws: Path, outside: Path) -> dict[str, str]:
    target = outside / "secret.txt"
    return {
        "write outside the workspace": f"echo pwned > {target}",
        "create a file outside the workspace": f"touch {outside}/new",
        "write through a symlink out of the workspace": f"ln -s {outside} link && echo pwned > link/secret.txt",
        "write through /proc/self/root": f"echo pwned > /proc/self/root{target}",
        "write through /proc/1/root": f"echo pwned > /proc/1/root{target}",
        "write a .git hook": "printf '#!/bin/sh\\necho pwned\\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit",
        "rewrite .git/HEAD": "echo 'ref: refs/heads/evil' > .git/HEAD",
        "move .git away and replace it": "mv .git .git-old && mkdir -p .git/hooks && touch .git/hooks/post-checkout",
        "delete .git": "rm -rf .git",
        "remount / read-write": f"mount -o remount,rw / && echo pwned > {target}",
        "write /etc": "echo pwned > /etc/codex-lsp-escape-probe",
    }


def _unchanged(ws: Path, outside: Path) -> bool:
    git = ws / ".git"
    return (
        (outside / "secret.txt").read_text() == "original\n"
        and sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
        and (git / "HEAD").read_text() == "ref: refs/heads/main\n"
        and list((git / "hooks").iterdir()) == []
        and not (ws / ".git-old").exists()
        and not Path("/etc/codex-lsp-escape-probe").exists()
    )


@pytest.mark.parametrize("name", list(_write_attempts(Path("/ws"), Path("/o"))))
async def test_write_escapes_are_blocked(layout: tuple[Path, Path], name: str) -> None:
    ws, outside = layout
    out = await _run(ws, _write_attempts(ws, outside)[name])
    assert not out.startswith("Exit code: 0"), out
    _record(name, _unchanged(ws, outside))


async def test_workspace_itself_stays_writable(layout: tuple[Path, Path]) -> None:
    ws, _ = layout
    out = await _run(ws, "echo ok > inside.txt && cat inside.txt")
    assert out.startswith("Exit code: 0") and (ws / "inside.txt").read_text() == "ok\n"


async def test_network_to_host_loopback_is_blocked(
    layout: tuple[Path, Path],
    listener: int,  # noqa: F811
) -> None:
    ws, _ = layout
    direct = await run_process(_connect(listener), ws, dict(os.environ), 10_000)
    assert "CONNECTED" in direct.output  # reachable from outside the sandbox
    ctx = make_ctx(
        ws, policy="never", sandbox_mode="workspace-write", workspace_write=ONLY_WORKSPACE
    )
    out = await ShellTool(BWRAP).run(ctx, {"command": _connect(listener)})
    _record("connect to a host socket on 127.0.0.1", "CONNECTED" not in out)


def _bomb(token: str, forks: int) -> str:
    """Python that forks up to `forks` sleeping children and reports how many it got."""
    return (
        "import os, sys, time\n"
        "made = failed = 0\n"
        f"for _ in range({forks}):\n"
        "    try:\n"
        "        pid = os.fork()\n"
        "    except OSError:\n"
        "        failed += 1\n"
        "        continue\n"
        "    if pid == 0:\n"
        f"        os.execvp('sleep', ['sleep', '{token}'])\n"
        "    made += 1\n"
        "print(f'forked={made} failed={failed}', flush=True)\n"
        "time.sleep(60)\n"
    )


async def test_fork_bomb_is_killed_at_the_timeout(layout: tuple[Path, Path]) -> None:
    ws, _ = layout
    token = unique_sleep()
    script = f'{sys.executable} -c "$BOMB"'
    ctx = make_ctx(
        ws, policy="never", sandbox_mode="workspace-write", workspace_write=ONLY_WORKSPACE
    )
    ctx.config.shell_environment_policy.set["BOMB"] = _bomb(token, 150)
    out = await asyncio.wait_for(
        ShellTool(BWRAP).run(ctx, {"command": ["bash", "-c", script], "timeout_ms": 2000}), 30
    )
    assert "command timed out after 2000 milliseconds" in out, out
    left = await wait_for_pids(token, present=False, within=3)
    _record("fork bomb outlives its timeout", left == [])
    after = await _run(ws, "echo still-works")
    assert after.startswith("Exit code: 0") and "still-works" in after


def _nobody_can_sandbox() -> str | None:
    if not per_namespace_nproc() or shutil.which("prlimit") is None:
        return "the kernel counts RLIMIT_NPROC per user, or prlimit is missing"
    if shutil.which("setpriv") is None or not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"setpriv or {SYSTEM_PYTHON} is missing"
    probe = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe += BWRAP.wrap(["true"], Path("/"), SandboxPolicy("read-only"))
    done = subprocess.run(probe, capture_output=True, timeout=10, check=False)
    return None if done.returncode == 0 else "bubblewrap cannot run as an unprivileged user here"


async def test_process_limit_stops_a_fork_bomb() -> None:
    # The kernel never applies RLIMIT_NPROC to root, so run the sandbox as `nobody`.
    reason = _nobody_can_sandbox()
    if reason is not None:
        pytest.skip(reason)
    token, limit = unique_sleep(), 32
    bwrap = Bubblewrap(BWRAP.executable, max_processes=limit)
    inner = bwrap.wrap(
        [SYSTEM_PYTHON, "-c", _bomb(token, 120)], Path("/"), SandboxPolicy("read-only")
    )
    argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *inner]
    result = await run_process(argv, Path("/"), {"PATH": os.environ["PATH"]}, 3000)
    assert result.timed_out
    made = int(result.output.split("forked=")[1].split()[0])
    assert await wait_for_pids(token, present=False, within=3) == []
    _record(f"fork past a process limit of {limit}", made < limit)


def test_zz_figures() -> None:
    print(f"FIGURES sandbox-escapes: {len(TRIED)} escapes tried, {len(BLOCKED)} blocked")
    assert TRIED and len(BLOCKED) == len(TRIED)
