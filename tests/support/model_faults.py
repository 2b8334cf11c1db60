"""How the scripted faults look on the wire, and how the server notices a client going away.

OpenAI's error bodies per status (:func:`_error_body`), the events of a :class:`Failed`
stream and the opening event a :class:`Hang` sends, holding a connection open while
watching for the peer to leave (:func:`hold`), and cutting a :class:`Drop` stream short
with a close or a TCP reset (:func:`cut`).  Used by :mod:`tests.support.model_http`.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import time
from typing import Any

from .model_events import _chat_chunk
from .model_resolved import _Resolved
from .model_script import Failed
from .sse import data_event, responses_event

_ERROR_DEFAULTS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Bad request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("permission_error", "unsupported_country_region_territory", "Forbidden."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    408: ("timeout", "timeout", "Request timed out."),
    413: ("invalid_request_error", "context_length_exceeded", "Request too large."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached. Please try again later."),
    500: ("server_error", "server_error", "The server had an error."),
    502: ("server_error", "bad_gateway", "Bad gateway."),
    503: ("server_error", "service_unavailable", "The engine is currently overloaded."),
}


def _error_body(status: int, message: str | None = None, code: str | None = None) -> dict[str, Any]:
    etype, ecode, emessage = _ERROR_DEFAULTS.get(
        status,
        ("invalid_request_error" if status < 500 else "server_error", None, f"HTTP {status}"),
    )
    return {"error": {"message": message or emessage, "type": etype, "code": code or ecode}}


class _ClientGone(Exception):
    """The client closed the connection (or the server is stopping) mid-response."""


def opening_event(kind: str, resolved: _Resolved) -> bytes:
    """The first event of a stream: ``response.created`` (Responses) or a role chunk."""
    if kind == "responses":
        return responses_event(
            "response.created", response=resolved.response_object("in_progress", [])
        )
    return _chat_chunk(resolved, {"role": "assistant", "content": ""})


def failed_events(kind: str, resolved: _Resolved, turn: Failed) -> list[bytes]:
    """A failing stream: ``response.failed`` (Responses) or an error chunk, no ``[DONE]``."""
    if kind == "responses":
        failed = resolved.response_object("failed", [])
        failed["error"] = {"code": turn.code, "message": turn.message}
        return [opening_event(kind, resolved), responses_event("response.failed", response=failed)]
    err = _error_body(500, turn.message, turn.code)
    return [opening_event(kind, resolved), data_event(err)]


def peer_closed(connection: socket.socket) -> bool:
    """Non-blocking check whether the peer closed its side of the connection."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        if not readable:
            return False
        peeked: bytes = connection.recv(1, socket.MSG_PEEK)
        return peeked == b""
    except OSError:
        return True


def hold(connection: socket.socket, stopping: threading.Event, seconds: float) -> None:
    """Wait ``seconds`` (or until the server stops) while watching for a disconnect."""
    deadline = time.monotonic() + seconds
    while not stopping.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        try:
            readable, _, _ = select.select([connection], [], [], min(0.05, remaining))
        except (OSError, ValueError):
            raise _ClientGone from None
        if readable:
            if peer_closed(connection):
                raise _ClientGone
            # The client sent unexpected bytes; don't spin on a readable socket.
            time.sleep(min(0.05, max(remaining, 0)))


def cut(connection: socket.socket, reset: bool) -> None:
    """End a connection mid-body: shut it down, or (``reset``) close it with RST."""
    with contextlib.suppress(OSError):
        if reset:  # close now with RST: the client reads "connection reset by peer"
            linger = struct.pack("ii", 1, 0)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            os.close(connection.detach())
        else:
            connection.shutdown(socket.SHUT_RDWR)
