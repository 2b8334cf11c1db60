"""The sandbox: policy from config, bubblewrap status and command lines (real enforcement
under bwrap: tests/integration/test_sandbox.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codex_lsp.config import Config
from codex_lsp.config.model import SandboxWorkspaceWrite
from codex_lsp.sandbox.bwrap import Bubblewrap, per_namespace_nproc
from codex_lsp.sandbox.denial import looks_like_sandbox_denial
from codex_lsp.sandbox.policy import SandboxPolicy, policy_from_config

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
