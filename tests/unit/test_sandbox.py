"""The sandbox: policy from config, bubblewrap status, and real enforcement (writes outside
the writable roots refused, `.git` read-only, no network) under bwrap."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_lsp.config import Config
from codex_lsp.config.model import SandboxWorkspaceWrite
from codex_lsp.sandbox import (
    Bubblewrap,
    SandboxPolicy,
    looks_like_sandbox_denial,
    policy_from_config,
    run_process,
    sandbox_status,
)
from codex_lsp.sandbox.bwrap import per_namespace_nproc
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


# ---- policy ---------------------------------------------------------------------


def test_read_only_and_full_access_policies(tmp_path: Path) -> None:
    ro = policy_from_config(Config(sandbox_mode="read-only"), [tmp_path], {})
    assert ro == SandboxPolicy("read-only", (), False)
    full = policy_from_config(Config(sandbox_mode="danger-full-access"), [tmp_path], {})
    assert full.unrestricted and full.network_access


def test_workspace_write_roots(tmp_path: Path) -> None:
    ws, extra, tmpdir = tmp_path / "ws", tmp_path / "extra", tmp_path / "tmpdir"
    for d in (ws, extra, tmpdir):
        d.mkdir()
    (ws / ".git").mkdir()
    settings = SandboxWorkspaceWrite(writable_roots=["../extra", "/no/such/dir"])
    cfg = Config(sandbox_mode="workspace-write", sandbox_workspace_write=settings)
    policy = policy_from_config(cfg, [ws], {"TMPDIR": str(tmpdir)})
    assert policy.writable_roots[0] == Path("/tmp")  # parents first
    assert set(policy.writable_roots) == {ws, extra, tmpdir, Path("/tmp")}
    assert not policy.network_access
    assert policy.read_only_subpaths() == [ws / ".git"]

    excluded = SandboxWorkspaceWrite(
        network_access=True, exclude_tmpdir_env_var=True, exclude_slash_tmp=True
    )
    cfg = Config(sandbox_mode="workspace-write", sandbox_workspace_write=excluded)
    policy = policy_from_config(cfg, [ws], {"TMPDIR": str(tmpdir)})
    assert policy.writable_roots == (ws,) and policy.network_access


def test_bwrap_command_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    policy = SandboxPolicy("workspace-write", (tmp_path,), False)
    argv = Bubblewrap("/usr/bin/bwrap", max_processes=None).wrap(["ls", "-l"], tmp_path, policy)
    line = " ".join(argv)
    assert argv[:5] == ["/usr/bin/bwrap", "--ro-bind", "/", "/", "--dev"]
    assert f"--bind {tmp_path} {tmp_path}" in line
    assert line.index(f"--bind {tmp_path}") < line.index(f"--ro-bind {tmp_path}/.git")
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session"):
        assert flag in argv
    assert "--cap-drop ALL" in line
    assert argv[-5:] == ["--chdir", str(tmp_path), "--", "ls", "-l"]
    networked = Bubblewrap("/usr/bin/bwrap").wrap(
        ["true"], tmp_path, SandboxPolicy("workspace-write", (tmp_path,), True)
    )
    assert "--unshare-net" not in networked


def test_process_limit_on_the_command_line(tmp_path: Path) -> None:
    policy = SandboxPolicy("read-only")
    argv = Bubblewrap("/usr/bin/bwrap", max_processes=64).wrap(["ls"], tmp_path, policy)
    if per_namespace_nproc() and shutil.which("prlimit"):
        assert argv[-4:] == [shutil.which("prlimit"), "--nproc=64", "--", "ls"]
    else:
        assert argv[-2:] == ["--", "ls"]
    assert per_namespace_nproc("5.14.0-1") and per_namespace_nproc("6.1.0-rc1")
    assert not per_namespace_nproc("5.10.0-21-amd64") and not per_namespace_nproc("junk")


def test_status_when_bwrap_is_missing() -> None:
    status = NO_BWRAP.status()
    assert not status.available and status.kind == "bubblewrap"
    assert "approval" in status.reason
    as_dict = sandbox_status()
    assert set(as_dict) == {"available", "kind", "reason"}
    assert as_dict["kind"] == "bubblewrap"


@pytest.mark.parametrize(
    ("code", "output", "denied"),
    [
        (0, "Read-only file system", False),
        (1, "touch: cannot touch 'x': Read-only file system", True),
        (1, "curl: (6) Could not resolve host: example.com", True),
        (1, "OSError: [Errno 101] Network is unreachable", True),
        (1, "1 failed, 3 passed", False),
        (127, "bash: foo: command not found (permission denied)", False),
    ],
)
def test_denial_heuristic(code: int, output: str, denied: bool) -> None:
    assert looks_like_sandbox_denial(code, output) is denied


# ---- enforcement (real bwrap) ------------------------------------------------------


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
