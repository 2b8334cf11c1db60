"""The opt-in start-up daemon: later starts are forked from a loaded zygote, each window
keeps its own environment, and every failure ends in a normal start or a clean exit."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import write_config
from tests.support.lsp_client import REPO
from tests.support.model_server import ScriptedModelServer
from tests.support.raw_lsp import RawPeer, pipe_peer

pytestmark = pytest.mark.e2e
FORKED = re.compile(r"serving as pid (\d+), forked by the daemon")


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A short private XDG_RUNTIME_DIR; removing it makes the zygote exit."""
    folder = Path(tempfile.mkdtemp(prefix="cxd", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _env(editor_env: dict[str, str], runtime: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_LSP_DAEMON")}
    return {**env, **editor_env, "XDG_RUNTIME_DIR": str(runtime), **extra}


class Window:
    """One editor window: a `codex-lsp` process and a raw LSP peer on its pipes."""

    def __init__(self, env: dict[str, str], stderr: Path, *args: str) -> None:
        self.stderr_path = stderr
        self.process = subprocess.Popen(
            [sys.executable, "-m", "codex_lsp", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr.open("wb"),
            env=env, cwd=str(REPO),
        )
        self.peer: RawPeer = pipe_peer(self.process)
        self.peer.seen = []

    def status(self, workspace: Path) -> dict[str, Any]:
        self.peer.initialize(workspace.as_uri())
        rid = self.peer.request("workspace/executeCommand", {"command": "codex.status", "arguments": [{}]})
        result: dict[str, Any] = self.peer.response(rid)["result"]
        # The status may come before the server has loaded (fast_start); a thread
        # listing comes from the loaded server.
        rid = self.peer.request("workspace/executeCommand", {"command": "codex.listThreads", "arguments": [{}]})
        assert self.peer.response(rid)["result"]["status"] == "answered"
        return result

    def close(self) -> int:
        rid = self.peer.request("shutdown", None)
        self.peer.response(rid)
        self.peer.notify("exit", None)
        return self.process.wait(20)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def forked_pid(self) -> int | None:
        found = FORKED.search(self.stderr())
        return int(found.group(1)) if found else None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _wait(predicate: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _zygote_socket(runtime: Path) -> Path | None:
    """The zygote's socket once it accepts connections."""
    for path in (runtime / "codex-lsp").glob("zygote-*.sock"):
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(path))
            except OSError:
                continue
            return path
    return None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _zygote_pids(path: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(path).encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def test_later_windows_are_forked_servers_with_their_own_settings(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], model: ScriptedModelServer,
    runtime: Path,
) -> None:
    other_home = tmp_path / "other-home"
    write_config(other_home, model.base_url)
    config = other_home / "config.toml"
    config.write_text(config.read_text().replace('model = "', 'model = "other-', 1))
    other_ws = tmp_path / "other-ws"
    other_ws.mkdir()

    first = Window(_env(editor_env, runtime), tmp_path / "1.err", "--daemon")
    try:
        assert first.status(workspace)["workspace"] == [str(workspace.resolve())]
        assert first.forked_pid() is not None  # the first start starts a zygote and is forked
        assert first.close() == 0
    finally:
        first.kill()
    assert _zygote_socket(runtime)  # ... which stays for later windows

    a = Window(_env(editor_env, runtime), tmp_path / "a.err", "--daemon")
    b = Window(_env(editor_env, runtime, CODEX_HOME=str(other_home)), tmp_path / "b.err", "--daemon")
    try:
        status_a, status_b = a.status(workspace), b.status(other_ws)
        assert a.forked_pid() and b.forked_pid() and a.forked_pid() != b.forked_pid()
        assert status_a["workspace"] == [str(workspace.resolve())]
        assert status_b["workspace"] == [str(other_ws.resolve())]
        assert not status_a["config"]["model"].startswith("other-")
        assert status_b["config"]["model"].startswith("other-")
        assert a.close() == 0 and b.close() == 0
    finally:
        a.kill()
        b.kill()


def _warm_window(tmp_path: Path, workspace: Path, env: dict[str, str], runtime: Path) -> Window:
    first = Window(env, tmp_path / "cold.err", "--daemon")
    try:
        first.status(workspace)
        first.close()
    finally:
        first.kill()
    _wait(lambda: _zygote_socket(runtime), "the zygote")
    window = Window(env, tmp_path / "warm.err", "--daemon")
    window.status(workspace)
    _wait(window.forked_pid, "the forked server's pid")
    return window


def test_a_crashed_server_ends_its_stub_with_a_message(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], runtime: Path
) -> None:
    window = _warm_window(tmp_path, workspace, _env(editor_env, runtime), runtime)
    try:
        pid = window.forked_pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert window.process.wait(20) == 1  # the editor sees an exit, never a hang
        assert f"the server process {pid} (started by the daemon) ended unexpectedly" in window.stderr()
    finally:
        window.kill()


def test_the_server_ends_when_the_editor_kills_its_stub(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], runtime: Path
) -> None:
    window = _warm_window(tmp_path, workspace, _env(editor_env, runtime), runtime)
    pid = window.forked_pid()
    assert pid is not None
    window.kill()
    _wait(lambda: not _alive(pid), "the forked server to end")


def test_a_dead_daemon_means_a_normal_start_and_a_new_daemon(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], runtime: Path
) -> None:
    env = _env(editor_env, runtime)
    window = _warm_window(tmp_path, workspace, env, runtime)
    window.close()
    path = _zygote_socket(runtime)
    assert path is not None
    for pid in _zygote_pids(path):
        os.kill(pid, signal.SIGKILL)
    _wait(lambda: _zygote_socket(runtime) is None, "the zygote to die")
    again = Window(env, tmp_path / "again.err", "--daemon")
    try:
        assert again.status(workspace)["workspace"] == [str(workspace.resolve())]
        assert again.forked_pid() is not None  # by a new zygote
        assert "did not take over" not in again.stderr()  # the user saw nothing
        assert again.close() == 0
    finally:
        again.kill()
    assert _zygote_socket(runtime) is not None


def test_an_idle_daemon_exits(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], runtime: Path
) -> None:
    env = _env(editor_env, runtime, CODEX_LSP_DAEMON_IDLE="1")
    window = Window(env, tmp_path / "1.err", "--daemon")
    try:
        window.status(workspace)
        window.close()
    finally:
        window.kill()
    path = _wait(lambda: list((runtime / "codex-lsp").glob("zygote-*.sock")), "the zygote")[0]
    _wait(lambda: not path.exists() and not _zygote_pids(path), "the idle zygote to exit")


def test_no_daemon_wins_over_the_environment(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], runtime: Path
) -> None:
    window = Window(_env(editor_env, runtime, CODEX_LSP_DAEMON="1"), tmp_path / "1.err", "--no-daemon")
    try:
        window.status(workspace)
        assert window.close() == 0
    finally:
        window.kill()
    time.sleep(1.0)
    assert not (runtime / "codex-lsp").exists()


def test_the_environment_variable_turns_it_on(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], runtime: Path
) -> None:
    window = Window(_env(editor_env, runtime, CODEX_LSP_DAEMON="1"), tmp_path / "1.err")
    try:
        window.status(workspace)
        window.close()
    finally:
        window.kill()
    _wait(lambda: _zygote_socket(runtime), "the zygote")
    assert oct((runtime / "codex-lsp").stat().st_mode & 0o777) == "0o700"
