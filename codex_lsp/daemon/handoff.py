"""The stub <-> zygote messages: JSON lines on a Unix socket, the stdio fds passed along.

stub -> zygote, once, with fds 0, 1, 2 attached (`SCM_RIGHTS`):
    {"version", "fingerprint", "cwd", "env", "argv", "umask"}
server -> stub: {"ok": true, "pid"} when the forked server starts (or
    {"ok": false, "error"}), later {"exit": code} when it ends.
"""

from __future__ import annotations

import json
import socket
from typing import Any

MAX_MESSAGE = 4 << 20
"""A request larger than this (an environment of megabytes) is refused."""
FD_COUNT = 3


def send_request(sock: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """The request line, with `fds` riding on its first bytes."""
    data = json.dumps(request).encode() + b"\n"
    sent = socket.send_fds(sock, [data[:1]], fds)
    sock.sendall(data[sent:])


def receive_request(sock: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One request and its fds; ValueError if it is not one."""
    first, fds, _flags, _addr = socket.recv_fds(sock, 1, FD_COUNT)
    if len(fds) != FD_COUNT:
        for fd in fds:
            _close(fd)
        raise ValueError(f"expected {FD_COUNT} file descriptors, got {len(fds)}")
    try:
        request = json.loads(first + (Lines(sock).next() or b""))
        if not isinstance(request, dict):
            raise ValueError("the request is not a JSON object")
    except ValueError:
        for fd in fds:
            _close(fd)
        raise
    return request, fds


class Lines:
    """Newline-ended messages from a socket (buffered: two may arrive in one read)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def next(self) -> bytes | None:
        """The next line with its newline; what is left (or None) once the peer closed."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_MESSAGE:
                raise ValueError("message too long")
            chunk = self.sock.recv(65536)
            if not chunk:
                rest, self.buffer = self.buffer, b""
                return rest or None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    def message(self) -> dict[str, Any] | None:
        """The next JSON object; None when the peer closed (or sent something unreadable)."""
        try:
            line = self.next()
            message = json.loads(line) if line and line.strip() else None
        except (OSError, ValueError):
            return None
        return message if isinstance(message, dict) else None


def send_message(sock: socket.socket, message: dict[str, Any]) -> None:
    """One JSON line; a peer that is gone is not an error here."""
    try:
        sock.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass


def _close(fd: int) -> None:
    import os

    try:
        os.close(fd)
    except OSError:
        pass
