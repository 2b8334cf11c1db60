"""The machine's bubblewrap status, and the sandbox's real enforcement under bwrap: writes
outside the writable roots refused, `.git` read-only, no network, its own pid namespace."""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_lsp.config.model import SandboxWorkspaceWrite
from codex_lsp.sandbox.bwrap import sandbox_status
from codex_lsp.sandbox.process import run_process
from codex_lsp.tools.shell import ShellTool
from tests.unit.test_shell_support import (
    BWRAP,
    NO_BWRAP,
    ONLY_WORKSPACE,
    make_ctx,
    needs_bwrap,
)

ETC_PROBE = Path("/etc/codex-lsp-sandbox-test")


REMOUNT_PROBE = Path("/etc/codex-lsp-remount-test")


def _exists(path: Path) -> bool:
    return path.exists()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    (ws / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return ws


async def _sh(ctx_root: Path, script: str, **kw: object) -> str:
    ctx = make_ctx(ctx_root, policy="never", **kw)  # type: ignore[arg-type]
    return await ShellTool(BWRAP).run(ctx, {"command": ["bash", "-c", script]})


@needs_bwrap
async def test_workspace_write_allows_workspace_refuses_outside(
    workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    kw = {"sandbox_mode": "workspace-write", "workspace_write": ONLY_WORKSPACE}
    out = await _sh(workspace, "echo hi > inside.txt && echo ok", **kw)
    assert out.startswith("Exit code: 0") and (workspace / "inside.txt").read_text() == "hi\n"

    out = await _sh(workspace, f"touch {outside}/x", **kw)
    assert not out.startswith("Exit code: 0") and "Read-only file system" in out
    assert not (outside / "x").exists()

    out = await _sh(workspace, f"touch {ETC_PROBE}", **kw)
    assert "Read-only file system" in out
    assert not _exists(ETC_PROBE)


@needs_bwrap
async def test_git_stays_read_only(workspace: Path) -> None:
    kw = {"sandbox_mode": "workspace-write", "workspace_write": ONLY_WORKSPACE}
    out = await _sh(workspace, "echo evil > .git/HEAD", **kw)
    assert "Read-only file system" in out
    assert (workspace / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    out = await _sh(workspace, "touch .git/new", **kw)
    assert "Read-only file system" in out and not (workspace / ".git" / "new").exists()


@needs_bwrap
async def test_git_read_only_even_when_tmp_is_writable_too(workspace: Path) -> None:
    # The workspace lives under /tmp, which is also a writable root here: /tmp must be bound
    # before the workspace and its .git, or it would hide those mounts.
    assert str(workspace).startswith("/tmp/")
    out = await _sh(workspace, "touch .git/new; touch ok", sandbox_mode="workspace-write")
    assert "Read-only file system" in out
    assert not (workspace / ".git" / "new").exists() and (workspace / "ok").exists()


@needs_bwrap
async def test_git_pointer_file_is_read_only(tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: /somewhere/else\n")
    kw = {"sandbox_mode": "workspace-write", "workspace_write": ONLY_WORKSPACE}
    out = await _sh(worktree, "echo gitdir: /evil > .git", **kw)
    assert "Read-only file system" in out
    assert (worktree / ".git").read_text() == "gitdir: /somewhere/else\n"


@needs_bwrap
async def test_read_only_mode_refuses_workspace_writes(workspace: Path) -> None:
    out = await _sh(workspace, "touch x", sandbox_mode="read-only")
    assert "Read-only file system" in out and not (workspace / "x").exists()
    out = await _sh(workspace, "cat .git/HEAD && ls -a", sandbox_mode="read-only")
    assert out.startswith("Exit code: 0") and "refs/heads/main" in out


@needs_bwrap
async def test_root_cannot_remount_writable(workspace: Path) -> None:
    out = await _sh(workspace, f"mount -o remount,rw / 2>&1; touch {REMOUNT_PROBE} && echo WROTE")
    assert "WROTE" not in out
    assert not _exists(REMOUNT_PROBE)


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts and closes connections."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    server.close()


def _connect(port: int) -> list[str]:
    code = (
        "import socket\n"
        f"socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
        "print('CONNECTED')\n"
    )
    return [sys.executable, "-c", code]


@needs_bwrap
async def test_network_refused_in_sandbox(workspace: Path, listener: int) -> None:
    direct = await run_process(_connect(listener), workspace, dict(os.environ), 10_000)
    assert "CONNECTED" in direct.output  # the listener works from outside

    for mode in ("read-only", "workspace-write"):
        ctx = make_ctx(workspace, policy="never", sandbox_mode=mode)
        out = await ShellTool(BWRAP).run(ctx, {"command": _connect(listener)})
        assert "CONNECTED" not in out
        assert "Connection refused" in out or "unreachable" in out

    allowed = SandboxWorkspaceWrite(network_access=True)
    ctx = make_ctx(
        workspace, policy="never", sandbox_mode="workspace-write", workspace_write=allowed
    )
    out = await ShellTool(BWRAP).run(ctx, {"command": _connect(listener)})
    assert "CONNECTED" in out


@needs_bwrap
async def test_network_disabled_marker_in_env(workspace: Path) -> None:
    out = await _sh(workspace, "echo flag=$CODEX_SANDBOX_NETWORK_DISABLED")
    assert "flag=1" in out


@needs_bwrap
async def test_sandboxed_processes_see_only_their_pid_namespace(workspace: Path) -> None:
    out = await _sh(workspace, "ls /proc | grep -c '^[0-9]'")
    assert int(out.split("Output:\n")[1].strip()) < 10


def test_status_when_bwrap_is_missing() -> None:
    status = NO_BWRAP.status()
    assert not status.available and status.kind == "bubblewrap"
    assert "approval" in status.reason
    as_dict = sandbox_status()
    assert set(as_dict) == {"available", "kind", "reason"}
    assert as_dict["kind"] == "bubblewrap"
