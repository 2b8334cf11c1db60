"""Daemon windows with the same MCP entry share one MCP server process (run by the daemon's
broker); another entry gets its own; a killed broker leaves each window a private server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import write_config
from tests.e2e.test_e2e_daemon import Window, _env, _wait, _zygote_socket
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e
MCP_SERVER = Path(__file__).resolve().parents[1] / "support" / "mcp_server.py"
SECRET = "sk-shared-mcp-secret-4711"


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A short private XDG_RUNTIME_DIR; removing it makes the zygote (and its broker) exit."""
    folder = Path(tempfile.mkdtemp(prefix="cxm", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _config(marker: str, flavour: str) -> str:
    return (
        'approval_policy = "never"\n'
        f'[mcp_servers.calc]\ncommand = "{sys.executable}"\nargs = ["{MCP_SERVER}"]\n'
        f'startup_timeout_sec = 30\nenv = {{ CXMARK = "{marker}", FLAVOUR = "{flavour}", '
        f'TOKEN = "{SECRET}" }}\n'
    )


def _mcp_processes(marker: str) -> list[int]:
    """Live test MCP servers started for this test (their environment carries `marker`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if str(MCP_SERVER).encode() not in (entry / "cmdline").read_bytes():
                continue
            if f"CXMARK={marker}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            pass
    return sorted(found)


def _turn_pid(window: Window, model: ScriptedModelServer) -> int:
    """Run a turn whose model calls `calc__pid`; the MCP server's pid it got."""
    model.script(Reply([FunctionCall("calc__pid", {})]), Reply([Text("done")]))
    seen = len(model.requests)
    rid = window.peer.request(
        "workspace/executeCommand", {"command": "codex.runTask", "arguments": [{"prompt": "pid"}]}
    )
    result = window.peer.response(rid, timeout=90)["result"]
    assert result["status"] == "answered", result
    body = model.requests[seen + 1].body
    assert body is not None
    outputs = [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    return int(outputs[-1])


def _loads_the_sdk(window: Window) -> bool:
    """The window's server process has loaded the MCP SDK (its pydantic core)."""
    pid = window.forked_pid()
    assert pid is not None
    return "_pydantic_core" in Path(f"/proc/{pid}/maps").read_text()


def _broker_pid(runtime: Path) -> int:
    zygote = _zygote_socket(runtime)
    assert zygote is not None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(zygote.with_name(zygote.name.replace("zygote-", "broker-"))))
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", raw)[0])


def test_windows_with_the_same_entry_share_one_mcp_server_process(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], model: ScriptedModelServer,
    runtime: Path, codex_home: Path,
) -> None:
    marker = f"m{os.getpid()}"
    write_config(codex_home, model.base_url, _config(marker, "plain"))
    other_home = tmp_path / "other-home"
    write_config(other_home, model.base_url, _config(marker, "other"))
    env = _env(editor_env, runtime, CODEX_LSP_MCP_IDLE="600")
    windows: list[Window] = []

    def window(name: str, **extra: str) -> Window:
        opened = Window({**env, **extra}, tmp_path / f"{name}.err", "--daemon")
        windows.append(opened)
        opened.status(workspace)
        assert opened.forked_pid() is not None
        return opened

    try:
        a, b = window("a"), window("b")
        shared = _turn_pid(a, model)
        assert _turn_pid(b, model) == shared
        assert _mcp_processes(marker) == [shared]  # one process for both windows
        assert not _loads_the_sdk(a) and not _loads_the_sdk(b)  # ≈ 50 MB each, left out
        assert a.close() == 0
        assert _turn_pid(b, model) == shared  # the first window's end is not the server's
        assert b.close() == 0
        c = window("c")  # a reload, within the idle period: the server is still warm
        assert _turn_pid(c, model) == shared
        d = window("d", CODEX_HOME=str(other_home))  # another entry (env): its own process
        apart = _turn_pid(d, model)
        assert apart != shared
        assert _mcp_processes(marker) == sorted([shared, apart])

        broker = _broker_pid(runtime)
        os.kill(broker, signal.SIGKILL)
        _wait(lambda: shared not in _mcp_processes(marker), "the shared server to end")
        private = _turn_pid(c, model)  # the next call, through a private server, unnoticed
        assert private not in (shared, apart)
        assert _loads_the_sdk(c)
        rid = c.peer.request("workspace/executeCommand", {"command": "codex.status", "arguments": [{}]})
        status = c.peer.response(rid)["result"]
        calc = status["mcpServers"]["calc"]
        assert (calc["state"], calc["error"]) == ("running", None)
        assert SECRET not in json.dumps(status)
        assert c.close() == 0
        _wait(lambda: private not in _mcp_processes(marker), "the private server to stop")
        e = window("e")  # the zygote forked a new broker for the next window
        assert _broker_pid(runtime) != broker
        assert _turn_pid(e, model) not in (shared, apart, private)
        assert d.close() == 0 and e.close() == 0
        assert not [w.stderr_path.name for w in windows if SECRET in w.stderr()]
    finally:
        for opened in windows:
            opened.kill()
