"""Windows forked by one daemon share one sign-in without racing on it, and each keeps its
own exit code; the stub left waiting for the server holds no Python interpreter."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_e2e_daemon import Window, _env, _wait, _zygote_socket
from tests.support.chatgpt_auth import ScriptedAuthority, codex_auth_json
from tests.support.chatgpt_backend import ChatGPTBackend
from tests.support.lsp_client import REPO
from tests.support.model_server import Reply, Text

pytestmark = pytest.mark.e2e


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A short private XDG_RUNTIME_DIR; removing it makes the zygote exit."""
    folder = Path(tempfile.mkdtemp(prefix="cxw", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _daemon_ready(env: dict[str, str], tmp_path: Path, workspace: Path, runtime: Path) -> None:
    """A first window (served in-process) leaves a zygote behind."""
    first = Window(env, tmp_path / "first.err", "--daemon")
    try:
        first.status(workspace)
        assert first.close() == 0
    finally:
        first.kill()
    _wait(lambda: _zygote_socket(runtime), "the zygote")


def test_two_windows_refresh_an_expired_sign_in_once(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], runtime: Path,
    authority: ScriptedAuthority, backend: ChatGPTBackend,
) -> None:
    home = tmp_path / "chatgpt-home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'model = "test-model"\nopenai_base_url = "{backend.codex_url}"\n'
        "request_max_retries = 1\nstream_max_retries = 1\n"
    )
    tokens = authority.issue(access_exp=time.time() - 5)
    (home / "auth.json").write_text(json.dumps(codex_auth_json(tokens)))
    backend.set_default(Reply([Text("ok")]))
    env = _env(editor_env, runtime, CODEX_HOME=str(home), CODEX_LOGIN_ISSUER=authority.url)
    _daemon_ready(env, tmp_path, workspace, runtime)

    windows = [Window(env, tmp_path / f"{n}.err", "--daemon") for n in ("a", "b")]
    try:
        for window in windows:
            window.status(workspace)
            assert window.forked_pid() is not None
        asks = [
            w.peer.request("workspace/executeCommand",
                           {"command": "codex.ask", "arguments": [{"prompt": "hi"}]})
            for w in windows
        ]  # both at once: each finds the token expired
        for window, rid in zip(windows, asks, strict=True):
            result = window.peer.response(rid, timeout=60)["result"]
            assert result["status"] == "answered", result
        assert len(authority.refreshes()) == 1  # the second window used the first one's tokens
        assert len(backend.seen) == 2
        assert all(h["authorization"] != f"Bearer {tokens['access_token']}" for h in backend.seen)
        for window in windows:
            assert window.close() == 0
    finally:
        for window in windows:
            window.kill()


def test_the_stub_waits_as_a_shell_and_passes_on_the_exit_code(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], runtime: Path
) -> None:
    env = _env(editor_env, runtime)
    _daemon_ready(env, tmp_path, workspace, runtime)
    window = Window(env, tmp_path / "w.err", "--daemon")
    try:
        window.status(workspace)
        assert window.forked_pid() is not None
        python = os.path.realpath(sys.executable)
        stub_exe = f"/proc/{window.process.pid}/exe"
        _wait(lambda: os.path.realpath(stub_exe) != python, "the stub to become a shell")
        assert os.path.realpath(stub_exe) == os.path.realpath("/bin/sh")
        window.peer.notify("exit", None)  # without `shutdown`: the LSP exit code is 1
        assert window.process.wait(20) == 1
        assert "ended unexpectedly" not in window.stderr()
    finally:
        window.kill()


def test_a_zygote_that_dies_while_loading_means_a_private_server_unnoticed(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], runtime: Path
) -> None:
    env = _env(editor_env, runtime)
    fingerprint = subprocess.run(
        [sys.executable, "-c", "from codex_lsp.daemon import place; print(place.fingerprint())"],
        env=env, cwd=str(REPO), capture_output=True, text=True, check=True,
    ).stdout.strip()
    folder = runtime / "codex-lsp"
    folder.mkdir(mode=0o700)
    (folder / f"zygote-{fingerprint}.sock").mkdir()  # the zygote cannot bind: it dies
    window = Window(env, tmp_path / "w.err", "--daemon")
    try:
        status = window.status(workspace)  # `initialize` answered while the zygote loaded
        assert status["workspace"] == [str(workspace.resolve())]
        assert window.forked_pid() is None  # served in-process with what was read
        rid = window.peer.request("textDocument/codeAction", {
            "textDocument": {"uri": (workspace / "hello.py").as_uri()},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []},
        })
        assert "result" in window.peer.response(rid)
        assert window.close() == 0
    finally:
        window.kill()
