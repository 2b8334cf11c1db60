"""A bare JSON-RPC peer over pipes or a socket, for tests that must control reading.

pytest-lsp always reads; the deadlock and slow-client tests need a client that
stops reading on purpose and writes large messages regardless.
"""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import threading
from collections.abc import Callable
from typing import Any, BinaryIO


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def unframe(data: bytes) -> list[dict[str, Any]]:
    """The messages of `data`, a run of whole `Content-Length` frames (what `frame` makes)."""
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(head.split(b":")[1])
        out.append(json.loads(rest[:length]))
        data = rest[length:]
    return out


class RawPeer:
    """Writes whenever asked; reads only while `reading` is set."""

    def __init__(self, reader: BinaryIO, writer: Callable[[bytes], None]) -> None:
        self._reader = reader
        self._write = writer
        self.reading = threading.Event()
        self.reading.set()
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        """Every message taken from the inbox (by `wait_for`), in order: one list per peer."""
        self.received_bytes = 0
        self._next_id = 100
        self._thread = threading.Thread(target=self._read_loop, daemon=True)
        self._thread.start()

    def _read_loop(self) -> None:
        while True:
            self.reading.wait()
            length = 0
            while True:
                line = self._reader.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif line in (b"\r\n", b"\n"):
                    break
            body = b""
            while len(body) < length:
                chunk = self._reader.read(length - len(body))
                if not chunk:
                    return
                body += chunk
            self.received_bytes += length
            self.inbox.put(json.loads(body))

    def send(self, message: dict[str, Any]) -> None:
        self._write(frame(message))

    def request(self, method: str, params: Any) -> int:
        self._next_id += 1
        self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20) -> dict[str, Any]:
        """Next message matching `predicate`; others are kept in `seen`."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no matching message")
            try:
                msg = self.inbox.get(timeout=remaining)
            except queue.Empty as exc:
                raise TimeoutError("no matching message") from exc
            self.seen.append(msg)
            if predicate(msg):
                return msg

    def response(self, msg_id: int, timeout: float = 20) -> dict[str, Any]:
        for msg in self.seen:
            if msg.get("id") == msg_id and "method" not in msg:
                return msg
        return self.wait_for(lambda m: m.get("id") == msg_id and "method" not in m, timeout)

    def initialize(
        self,
        root_uri: str,
        capabilities: dict[str, Any] | None = None,
        init_options: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        self.seen = []
        params: dict[str, Any] = {"processId": None, "rootUri": root_uri, "capabilities": capabilities or {}}
        if init_options is not None:
            params["initializationOptions"] = init_options
        rid = self.request("initialize", params)
        result = self.response(rid)
        self.notify("initialized", {})
        return result


def pipe_peer(process: subprocess.Popen[bytes]) -> RawPeer:
    assert process.stdin is not None and process.stdout is not None
    stdin = process.stdin

    def write(data: bytes) -> None:
        stdin.write(data)
        stdin.flush()

    return RawPeer(process.stdout, write)


def socket_peer(sock: socket.socket) -> RawPeer:
    return RawPeer(sock.makefile("rb"), sock.sendall)


def spawn_server(env: dict[str, str], stderr: BinaryIO | int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """The real `python -m codex_lsp` on stdio (cwd: this checkout), stderr where asked."""
    import os
    import sys
    from pathlib import Path

    return subprocess.Popen(
        [sys.executable, "-m", "codex_lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env={**os.environ, **env},
        cwd=str(Path(__file__).resolve().parents[2]),
    )
