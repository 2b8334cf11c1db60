"""A real HTTP proxy on 127.0.0.1 for proxy tests: Debian's `tinyproxy`, started per test.

tinyproxy forwards plain HTTP (adding `Via: 1.1 tinyproxy (tinyproxy/x.y)` to the forwarded
request, so the server can tell it came through) and tunnels HTTPS with CONNECT (logged).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType


def tinyproxy_binary() -> str | None:
    """The tinyproxy program, if installed (CI installs it: .ci/apt-packages-wire.txt)."""
    return shutil.which("tinyproxy") or (
        "/usr/bin/tinyproxy" if Path("/usr/bin/tinyproxy").exists() else None
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TinyProxy:
    """`with TinyProxy(folder) as proxy:` -> `proxy.url`, `proxy.log()`."""

    def __init__(self, folder: Path) -> None:
        binary = tinyproxy_binary()
        if binary is None:
            raise RuntimeError("tinyproxy is not installed (apt-get install tinyproxy)")
        self.binary = binary
        self.folder = folder
        self.port = _free_port()
        self.log_path = folder / "tinyproxy.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _config(self) -> Path:
        lines = [
            f"Port {self.port}",
            "Listen 127.0.0.1",
            "Timeout 30",
            "Allow 127.0.0.1",
            "LogLevel Info",
            "MaxClients 20",
        ]
        if os.geteuid() == 0:  # it refuses to keep running as root
            lines += ["User nobody", "Group nogroup"]
        config = self.folder / "tinyproxy.conf"
        config.write_text("\n".join(lines) + "\n")
        return config

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> TinyProxy:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self._config()
        # In the foreground without a LogFile it logs to its output: kept in our file.
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                [self.binary, "-d", "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"tinyproxy exited ({self._proc.returncode}): {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("tinyproxy did not start listening")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
