"""Answer `initialize` while the language server is still loading.

Importing pygls and lsprotocol takes most of a second on a slow machine, and
our capabilities do not depend on anything the client sends, so the CLI reads
the first message itself, answers `initialize` from `codex_lsp.wire` (the one
source the server registers from too), and hands the message (and any bytes
read after it) to pygls once it has loaded. pygls then processes `initialize`
as usual (workspace folders, initializationOptions) with its own reply
suppressed. A test checks that
this answer equals the one pygls computes.

This module must import nothing heavy: it runs before pygls is loaded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from codex_lsp.wire import initialize_result


@dataclass
class EarlyStart:
    """What was read before pygls took over."""

    initialize_id: int | str | None
    """Id of the `initialize` request already answered (None: nothing answered)."""
    consumed: bytes
    """Every byte read from stdin so far, to be processed by pygls in order."""


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def answer_initialize(fd_in: int = 0, fd_out: int = 1, limit: int = 16 << 20) -> EarlyStart:
    """Read the first message; if it is `initialize`, answer it at once."""
    buffer = b""
    while True:
        header_end = buffer.find(b"\r\n\r\n")
        if header_end >= 0:
            length = _content_length(buffer[:header_end])
            if length is None:
                return EarlyStart(None, buffer)
            body_start = header_end + 4
            if len(buffer) >= body_start + length:
                break
        if len(buffer) > limit:
            return EarlyStart(None, buffer)
        chunk = os.read(fd_in, 65536)
        if not chunk:
            return EarlyStart(None, buffer)
        buffer += chunk
    try:
        message = json.loads(buffer[body_start : body_start + length])
    except ValueError:
        return EarlyStart(None, buffer)
    if (
        not isinstance(message, dict)
        or message.get("method") != "initialize"
        or "id" not in message
    ):
        return EarlyStart(None, buffer)
    capabilities = _get(message, "params", "capabilities")
    result = initialize_result(capabilities)
    reply = _frame({"jsonrpc": "2.0", "id": message["id"], "result": result})
    view = memoryview(reply)
    while view:
        written = os.write(fd_out, view)
        view = view[written:]
    return EarlyStart(message["id"], buffer)


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _content_length(header: bytes) -> int | None:
    for line in header.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return None
    return None
