"""Tiny helpers to build (and, for tests, parse) Server-Sent Events bytes.

Shared by the scripted model server (:mod:`tests.support.model_server`) and by tests
that want to feed raw SSE bytes to a parser.  Standard library only.

Wire shapes (see ``/work/shared/notes/openai-wire.md``):

* Responses API: ``event: <type>\\ndata: <json with "type": <type>>\\n\\n``
  (:func:`responses_event`).
* Chat Completions: ``data: <json>\\n\\n`` (:func:`data_event`), ending with
  :data:`DONE` (``data: [DONE]\\n\\n``).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DONE",
    "SSEMessage",
    "comment",
    "data_event",
    "dumps",
    "encode_event",
    "parse_sse",
    "responses_event",
]

DONE = b"data: [DONE]\n\n"
"""The Chat Completions end-of-stream marker."""

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(obj: Any) -> str:
    """Compact JSON (no spaces, UTF-8 kept), as OpenAI servers send it."""
    return _ENCODER.encode(obj)


def encode_event(data: Any, event: str | None = None, event_id: str | None = None) -> bytes:
    """Encode one SSE message.

    ``data`` may be a ``str`` (sent verbatim, split on newlines into several ``data:``
    lines) or any JSON-serialisable object (sent as compact JSON).
    """
    text = data if isinstance(data, str) else dumps(data)
    parts: list[str] = []
    if event is not None:
        parts.append(f"event: {event}\n")
    if event_id is not None:
        parts.append(f"id: {event_id}\n")
    for line in text.split("\n"):
        parts.append(f"data: {line}\n")
    parts.append("\n")
    return "".join(parts).encode("utf-8")


def responses_event(type_: str, **fields: Any) -> bytes:
    """A Responses API event: ``event: <type>`` plus JSON data repeating ``"type"``."""
    payload: dict[str, Any] = {"type": type_}
    payload.update(fields)
    return b"event: " + type_.encode("utf-8") + b"\ndata: " + dumps(payload).encode() + b"\n\n"


def data_event(data: Any) -> bytes:
    """A ``data:``-only event (Chat Completions chunk); ``str`` is sent verbatim."""
    text = data if isinstance(data, str) else dumps(data)
    if "\n" in text:
        return encode_event(text)
    return b"data: " + text.encode("utf-8") + b"\n\n"


def comment(text: str = "") -> bytes:
    """An SSE comment line (ignored by clients; used as a keep-alive)."""
    return f": {text}\n\n".encode()


@dataclass(frozen=True)
class SSEMessage:
    """One parsed SSE message."""

    event: str
    data: str
    id: str | None = None

    def json(self) -> Any:
        return json.loads(self.data)


def parse_sse(chunks: bytes | str | Iterable[bytes | str]) -> Iterator[SSEMessage]:
    """Parse SSE text into messages (a small, spec-following parser for tests).

    Accepts the whole body or an iterable of chunks; ``\\r\\n``, ``\\r`` and ``\\n`` line
    endings are accepted.  Events without ``event:`` get the default type ``"message"``;
    a trailing event without its terminating blank line is dropped (as browsers do).
    """
    if isinstance(chunks, bytes | str):
        chunks = [chunks]
    buffer = ""
    event = ""
    data: list[str] = []
    last_id: str | None = None
    pending_cr = False
    decoder = codecs.getincrementaldecoder("utf-8")()
    for chunk in chunks:
        text = decoder.decode(chunk) if isinstance(chunk, bytes) else chunk
        if pending_cr and text.startswith("\n"):
            text = text[1:]
        pending_cr = text.endswith("\r")
        buffer += text.replace("\r\n", "\n").replace("\r", "\n")
        *lines, buffer = buffer.split("\n")
        for line in lines:
            if line == "":
                if data:
                    yield SSEMessage(event or "message", "\n".join(data), last_id)
                event, data = "", []
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
            elif name == "id":
                last_id = value
    # Per the SSE spec an event not terminated by a blank line is discarded at EOF.
