"""The scripted model server's command line: `python -m tests.support.model_server` prints
where it listens and stops on SIGTERM and on stdin EOF."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.support.model_server import HttpError, ModelServerProcess, RecordedRequest, Reply
from tests.unit.test_model_server import CHAT_BODY, RESPONSES_BODY

REPO_ROOT = Path(__file__).resolve().parents[2]


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    box: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout
    reader = threading.Thread(target=lambda: box.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert box, "no output from the model server CLI in time"
    return box[0]


def test_cli_prints_listening_and_stops_on_sigterm(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps([{"type": "reply", "items": ["from file"]}]))
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.model_server",
            "--port",
            "0",
            "--script",
            str(script),
            "--port-file",
            str(port_file),
        ],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,  # not watched: only SIGTERM stops it
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = _read_line(proc, 15)
        assert line.startswith("LISTENING http://127.0.0.1:")
        base_url = line.split()[1]
        port = int(port_file.read_text())
        assert base_url == f"http://127.0.0.1:{port}/v1"
        response = httpx.post(f"{base_url}/responses", json=RESPONSES_BODY, timeout=10)
        assert "from file" in response.text
        assert httpx.get(f"{base_url}/models", timeout=10).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


@pytest.mark.skipif(os.name != "posix", reason="stdin pipe EOF semantics")
def test_model_server_process_stops_on_stdin_eof() -> None:
    with ModelServerProcess() as proc:
        assert proc.proc is not None
        child = proc.proc
        proc.script(Reply(["cross-process"]), HttpError(429, headers={"Retry-After": "3"}))
        ok = httpx.post(f"{proc.base_url}/responses", json=RESPONSES_BODY, timeout=10)
        assert "cross-process" in ok.text
        limited = httpx.post(f"{proc.base_url}/chat/completions", json=CHAT_BODY, timeout=10)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "3"
        reqs = proc.requests(min_count=2)
        assert all(isinstance(r, RecordedRequest) for r in reqs)
        assert [r.kind for r in reqs] == ["responses", "chat"]
        assert reqs[0].body == RESPONSES_BODY
        proc.reset()
        assert proc.requests() == []
    assert child.returncode == 0  # exited on stdin EOF, not killed
