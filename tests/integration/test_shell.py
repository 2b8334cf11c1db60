"""The shell tools on real processes: output format and capping, environment, kill on
timeout and on cancel, escapees from the process group, the reaper."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import pytest

from codex_lsp.config import ShellEnvironmentPolicy
from codex_lsp.sandbox.output import MAX_OUTPUT_BYTES
from codex_lsp.sandbox.process import run_process
from codex_lsp.tools.shell import ShellCommandTool, ShellTool
from tests.unit.test_shell import DIRECT
from tests.unit.test_shell_support import (
    BWRAP,
    FakeEditor,
    make_ctx,
    needs_bwrap,
    pids_running,
    unique_sleep,
    wait_for_pids,
)


@pytest.fixture(autouse=True)
def clean_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Login shells (`bash -lc`) read a home without the machine's dotfiles.

    A developer's or CI machine's ~/.bashrc (pyenv's `rehash`, with a lock a killed shell
    can leave behind) is not what these tests are about, and can stall every command.
    """
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))


async def test_shell_runs_argv_in_workspace(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    ctx = make_ctx(tmp_path, **DIRECT)
    out = await ShellTool().run(ctx, {"command": ["pwd"], "workdir": "sub"})
    assert out.startswith("Exit code: 0\nWall time: ")
    assert " seconds\nOutput:\n" in out
    assert out.endswith(f"{tmp_path / 'sub'}\n")


async def test_shell_command_uses_bash_and_interleaves_stderr(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, **DIRECT)
    script = "echo out1; echo err1 >&2; echo out2; exit 3"
    out = await ShellCommandTool().run(ctx, {"command": script})
    assert out.startswith("Exit code: 3\n")
    assert out.endswith("Output:\nout1\nerr1\nout2\n")


async def test_large_output_is_capped(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, **DIRECT)
    out = await ShellTool().run(ctx, {"command": ["seq", "1", "200000"]})
    body = out.split("Output:\n", 1)[1]
    assert body.startswith("1\n2\n3\n")
    assert body.endswith("199999\n200000\n")
    assert "bytes omitted ...]" in body
    assert len(body.encode()) <= MAX_OUTPUT_BYTES + 64


async def test_stdin_is_empty(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, **DIRECT)
    out = await ShellTool().run(ctx, {"command": ["cat"], "timeout_ms": 5000})
    assert out.startswith("Exit code: 0\n") and out.endswith("Output:\n")


# ---- environment policy ------------------------------------------------------------


async def test_default_env_policy_drops_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_API_KEY", "k-123")
    monkeypatch.setenv("GITHUB_TOKEN", "t-123")
    monkeypatch.setenv("PLAIN_SETTING", "visible")
    out = await ShellTool().run(make_ctx(tmp_path, **DIRECT), {"command": ["env"]})
    assert "PLAIN_SETTING=visible" in out
    assert "k-123" not in out and "t-123" not in out


async def test_env_policy_set_and_include_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAIN_SETTING", "visible")
    env_policy = ShellEnvironmentPolicy(
        inherit="core", set={"FROM_CONFIG": "yes"}, include_only=["PATH", "FROM_*"]
    )
    ctx = make_ctx(tmp_path, env_policy=env_policy, **DIRECT)
    out = await ShellTool().run(ctx, {"command": ["env"]})
    names = {line.split("=", 1)[0] for line in out.split("Output:\n", 1)[1].splitlines()}
    assert names == {"PATH", "FROM_CONFIG"}


# ---- timeout and cancel kill the whole process group ---------------------------------


async def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    token = unique_sleep()
    ctx = make_ctx(tmp_path, **DIRECT)
    script = f"echo started; sleep {token} & sleep {token}"
    out = await asyncio.wait_for(
        ShellCommandTool().run(ctx, {"command": script, "timeout_ms": 500}), 10
    )
    assert out.startswith("Exit code: 124\n")
    assert "command timed out after 500 milliseconds" in out
    assert "started" in out
    assert await wait_for_pids(token, present=False, within=2) == []


async def test_background_child_is_killed_when_command_exits(tmp_path: Path) -> None:
    token = unique_sleep()
    ctx = make_ctx(tmp_path, **DIRECT)
    out = await asyncio.wait_for(
        ShellCommandTool().run(ctx, {"command": f"sleep {token} & echo done"}), 5
    )
    assert out.startswith("Exit code: 0\n") and out.endswith("done\n")
    assert pids_running(token) == []


async def test_cancel_kills_the_process_group(tmp_path: Path) -> None:
    token = unique_sleep()
    ctx = make_ctx(tmp_path, **DIRECT)
    task = asyncio.create_task(
        ShellCommandTool().run(
            ctx, {"command": f"sleep {token} & sleep {token}", "timeout_ms": 60_000}
        )
    )
    assert len(await wait_for_pids(token, present=True)) >= 3
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    assert pids_running(token) == []


@needs_bwrap
async def test_timeout_and_cancel_kill_sandboxed_commands(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, policy="never", sandbox_mode="read-only")
    token = unique_sleep()
    out = await asyncio.wait_for(
        ShellCommandTool(BWRAP).run(
            ctx, {"command": f"sleep {token} & sleep {token}", "timeout_ms": 500}
        ),
        10,
    )
    assert "command timed out after 500 milliseconds" in out
    assert await wait_for_pids(token, present=False, within=2) == []

    token = unique_sleep()
    task = asyncio.create_task(
        ShellCommandTool(BWRAP).run(
            ctx, {"command": f"sleep {token} & sleep {token}", "timeout_ms": 60_000}
        )
    )
    assert len(await wait_for_pids(token, present=True)) >= 3
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    assert await wait_for_pids(token, present=False, within=2) == []


async def test_run_process_reports_signals_as_128_plus(tmp_path: Path) -> None:
    result = await run_process(
        [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"],
        tmp_path,
        {},
        5000,
    )
    assert result.exit_code == 128 + 15 and not result.timed_out


# ---- a command that leaves its group (setsid, double fork) is killed too -------------


# These use `bash -c`, not the login shell of `shell_command`: killing a login shell while
# its profile runs `pyenv rehash` would leave pyenv's lock behind and stall later shells.


def _escaping_script(token: str, pidfile: Path) -> str:
    """Starts a `sleep` in a new session through a double fork, records its pid, then waits."""
    return (
        f"setsid sh -c '(sleep {token} & echo $! > {pidfile}) ; sleep {token}' & "
        f"echo started; sleep {token}"
    )


async def _wait_for_pidfile(pidfile: Path) -> int:
    for _ in range(250):
        if pidfile.exists() and pidfile.read_text().strip():
            return int(pidfile.read_text())
        await asyncio.sleep(0.02)
    raise AssertionError("the escaping command never wrote its pid")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def _gone(pid: int, within: float = 3.0) -> bool:
    for _ in range(int(within / 0.02)):
        if not _alive(pid):
            return True
        await asyncio.sleep(0.02)
    return False


@pytest.mark.parametrize("mode", ["danger-full-access", "approved-unsandboxed"])
async def test_setsid_escapee_killed_on_timeout(tmp_path: Path, mode: str) -> None:
    token, pidfile = unique_sleep(), tmp_path / "escapee.pid"
    if mode == "danger-full-access":
        ctx = make_ctx(tmp_path, **DIRECT)
        args: dict[str, object] = {}
    else:  # on-request, read-only sandbox, the user approves running it outside the sandbox
        ctx = make_ctx(tmp_path, FakeEditor("approve"), policy="on-request")
        args = {"sandbox_permissions": "require_escalated", "justification": "test"}
    script = _escaping_script(token, pidfile)
    out = await asyncio.wait_for(
        ShellTool(BWRAP).run(ctx, {"command": ["bash", "-c", script], "timeout_ms": 1500, **args}),
        15,
    )
    assert "command timed out after 1500 milliseconds" in out and "started" in out
    escapee = int(pidfile.read_text())
    assert await _gone(escapee), f"setsid'd process {escapee} survived the timeout"
    assert await wait_for_pids(token, present=False, within=3) == []


async def test_setsid_escapee_killed_on_cancel(tmp_path: Path) -> None:
    token, pidfile = unique_sleep(), tmp_path / "escapee.pid"
    ctx = make_ctx(tmp_path, **DIRECT)
    script = _escaping_script(token, pidfile)
    task = asyncio.create_task(
        ShellTool().run(ctx, {"command": ["bash", "-c", script], "timeout_ms": 60_000})
    )
    escapee = await _wait_for_pidfile(pidfile)
    assert _alive(escapee)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 15)
    assert await _gone(escapee), f"setsid'd process {escapee} survived the cancel"
    assert await wait_for_pids(token, present=False, within=3) == []


async def test_setsid_escapee_killed_when_command_exits(tmp_path: Path) -> None:
    token, pidfile = unique_sleep(), tmp_path / "escapee.pid"
    ctx = make_ctx(tmp_path, **DIRECT)
    script = f"setsid sh -c 'sleep {token} & echo $! > {pidfile}; wait' & sleep 0.5; echo done"
    out = await asyncio.wait_for(ShellTool().run(ctx, {"command": ["bash", "-c", script]}), 15)
    assert out.startswith("Exit code: 0\n") and "done" in out
    assert await _gone(int(pidfile.read_text()))


async def test_unsandboxed_env_is_passed_exactly(tmp_path: Path) -> None:
    # The reaper is Python; its locale coercion must not leak LC_CTYPE into the command.
    env_policy = ShellEnvironmentPolicy(inherit="none", set={"LANG": "C"})
    ctx = make_ctx(tmp_path, env_policy=env_policy, **DIRECT)
    out = await ShellTool().run(ctx, {"command": ["env"]})
    assert out.split("Output:\n", 1)[1].splitlines() == ["LANG=C"]


async def test_reaper_kills_the_tree_when_the_server_dies(tmp_path: Path) -> None:
    # The launcher's parent (the server) is SIGKILLed: PDEATHSIG tells the launcher, which
    # kills the command's tree, setsid'd escapee included.
    import os
    import signal
    import subprocess

    from codex_lsp.sandbox.reaper import reaper_command

    token, pidfile = unique_sleep(), tmp_path / "escapee.pid"
    script = _escaping_script(token, pidfile)
    inner = reaper_command(["bash", "-c", script], tmp_path, dict(os.environ))
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, time; subprocess.Popen({inner!r}); time.sleep(60)",
        ],
        start_new_session=True,
    )
    try:
        escapee = await _wait_for_pidfile(pidfile)
        assert _alive(escapee)
        parent.kill()
        parent.wait(5)
        assert await _gone(escapee), "the setsid'd process outlived the server"
        assert await wait_for_pids(token, present=False, within=3) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)
