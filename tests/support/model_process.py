"""The scripted model server as a child process (``python -m tests.support.model_server``).

:class:`ModelServerProcess` starts the command line, reads its ``LISTENING`` line and
drives it through the control routes, for tests that want the model in another process
(or want to exercise those routes).  The bench's :class:`bench.model.BenchModelProcess`
swaps in its own command.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

from .model_script import RecordedRequest, Turn, _coerce_turn

_REPO_ROOT = Path(__file__).resolve().parents[2]


class ModelServerProcess:
    """Run ``python -m tests.support.model_server`` as a child process and control it.

    For tests that need the model server in another process (or want to exercise the
    control endpoints)::

        with ModelServerProcess() as proc:
            proc.script(Reply([Text("hi")]))
            ...  # use proc.base_url
            reqs = proc.requests(min_count=1)
    """

    def __init__(
        self,
        script_file: str | Path | None = None,
        port: int = 0,
        startup_timeout: float = 15.0,
        python: str = sys.executable,
    ) -> None:
        self._args = [python, "-m", "tests.support.model_server", "--port", str(port)]
        if script_file is not None:
            self._args += ["--script", str(script_file)]
        self._startup_timeout = startup_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def start(self) -> ModelServerProcess:
        self.proc = subprocess.Popen(
            self._args,
            cwd=_REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        stdout = self.proc.stdout
        assert stdout is not None
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=self._startup_timeout)
        except queue.Empty:
            self.stop()
            raise TimeoutError("model server process did not print LISTENING") from None
        if not line.startswith("LISTENING "):
            self.stop()
            raise RuntimeError(f"model server process failed to start: {line!r}")
        self.base_url = line.split(" ", 1)[1].strip()
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin:
                proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout:
            proc.stdout.close()

    def __enter__(self) -> ModelServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.base_url.removesuffix("/v1")

    def _call(self, method: str, path: str, payload: Any = None, timeout: float = 30) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def script(self, *turns: Turn | dict[str, Any] | str) -> None:
        payload = [_coerce_turn(t).to_dict() for t in turns]
        self._call("POST", "/_script", {"turns": payload})

    def set_default(self, turn: Turn | dict[str, Any] | str | None) -> None:
        default = None if turn is None else _coerce_turn(turn).to_dict()
        self._call("POST", "/_script", {"turns": [], "default": default})

    def reset(self) -> None:
        self._call("POST", "/_reset", {})

    def requests(self, min_count: int = 0, timeout: float = 10) -> list[RecordedRequest]:
        path = f"/_requests?min={min_count}&timeout={timeout}"
        data = self._call("GET", path, timeout=timeout + 10)
        return [RecordedRequest.from_dict(d) for d in data]
