"""A scripted, OpenAI-compatible model server for end-to-end tests, editor tests and benchmarks.

The server speaks the two wire formats the Codex CLI uses (see
``/work/shared/notes/openai-wire.md``) over real HTTP on 127.0.0.1:

* ``POST /v1/responses`` (Responses API, SSE ``event:``/``data:`` pairs), and
* ``POST /v1/chat/completions`` (Chat Completions, ``data:`` chunks ending with ``[DONE]``),
* ``POST /v1/completions`` (legacy completions with ``prompt`` + ``suffix``: fill in the
  middle as llama.cpp, Ollama and vLLM serve it; see ``model_fim``).

Both are also accepted without the ``/v1`` prefix (any path ending in ``/responses`` or
``/chat/completions`` is routed there) and with any query string (``?api-version=...``).
``GET /v1/models`` lists one model, ``test-model``.

Each model request consumes one scripted *turn* from a FIFO queue::

    with ScriptedModelServer() as server:
        server.script(
            Reply([FunctionCall("read_file", {"path": "a.txt"})]),
            Reply([Text("All done.")]),
        )
        ...  # point the client at server.base_url
        first, second = server.wait_for_requests(2)

Turns: :class:`Reply` (items :class:`Text`, :class:`FunctionCall`, :class:`Flood`),
:class:`HttpError`, :class:`Failed`, :class:`Drop` (``reset=True``: a TCP reset),
:class:`Hang` and :class:`Garbled` (a reply with raw wire text slipped in).  They are plain
dataclasses; ``to_dict()`` / :func:`turn_from_dict` convert them to and from JSON, so a
script may live in a JSON file (``{"turns": [...], "default": {...}}`` or a bare list).

Control endpoints for tests in other processes: ``POST /_script`` (``{"turns": [...]}``,
optional ``"default"``), ``POST /_reset`` and ``GET /_requests`` (``?min=N&timeout=S``
waits until at least N requests are recorded).  Control requests are not recorded.

Command line (from the repository root)::

    python -m tests.support.model_server [--port 0] [--script FILE.json] [--port-file PATH]

prints ``LISTENING http://127.0.0.1:PORT/v1`` and serves until SIGTERM/SIGINT or EOF on
stdin (stdin is only watched when it is a pipe, socket or terminal).
:class:`ModelServerProcess` wraps that for Python tests that want a separate process.

Standard library only.  Streams use chunked transfer encoding and ``Connection: close``;
events are written in batches of 64 KiB (``Reply.chunk``) unless a per-delta delay is set,
so a :class:`Flood` of 100,000 deltas streams in well under a second.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import math
import os
import queue
import re
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import IO, Any, ClassVar, TypeAlias
from urllib.parse import parse_qsl, urlsplit

from .model_fim import completion_events, completion_object
from .model_items import (
    EXTRA_ITEMS,
    CustomCall,
    OtherItem,
    Reasoning,
    ResolvedExtra,
    resolve_extra,
)
from .sse import DONE, comment, data_event, dumps, responses_event

__all__ = [
    "DEFAULT_MODEL",
    "CustomCall",
    "Drop",
    "Failed",
    "Flood",
    "FunctionCall",
    "Garbled",
    "Hang",
    "HttpError",
    "Item",
    "ModelServerProcess",
    "OtherItem",
    "Reasoning",
    "RecordedRequest",
    "Reply",
    "ScriptedModelServer",
    "Text",
    "Turn",
    "item_from_dict",
    "load_script",
    "main",
    "turn_from_dict",
]

DEFAULT_MODEL = "test-model"
"""The one model ``GET /v1/models`` lists (and the model echoed when a request names none)."""

DEFAULT_BATCH = 64 * 1024
"""Bytes of events buffered before one write, unless a turn asks otherwise."""

_REPO_ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------------
# Script model: items and turns
# --------------------------------------------------------------------------------------------


class _Serialisable:
    """Mixin: ``to_dict()`` gives ``{"type": <kind>, <field>: <value>, ...}``."""

    kind: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "items":
                value = [item.to_dict() for item in value]
            out[f.name] = value
        return out


@dataclass
class Text(_Serialisable):
    """Assistant text.  Streamed word by word, or as ``deltas`` near-equal pieces."""

    text: str
    deltas: int | None = None
    kind: ClassVar[str] = "text"


@dataclass
class FunctionCall(_Serialisable):
    """A function tool call.  ``arguments`` (a dict is JSON-encoded) streams in >= 2 pieces.

    ``call_id`` defaults to ``call_<n>``, n counting the calls this server has served
    (from 1, reset by :meth:`ScriptedModelServer.reset`).  ``deltas`` sets the number of
    argument fragments (default: pieces of at most 32 characters, at least 2).
    """

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    call_id: str | None = None
    deltas: int | None = None
    kind: ClassVar[str] = "function_call"


@dataclass
class Flood(_Serialisable):
    """``count`` text deltas of ``piece`` in one assistant message (generated lazily)."""

    count: int
    piece: str = "x"
    kind: ClassVar[str] = "flood"


Item: TypeAlias = Text | FunctionCall | Flood | Reasoning | CustomCall | OtherItem


def _coerce_items(items: Iterable[Item | dict[str, Any] | str]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if isinstance(item, str):
            out.append(Text(item))
        elif isinstance(item, dict):
            out.append(item_from_dict(item))
        elif isinstance(item, Text | FunctionCall | Flood | Reasoning | CustomCall | OtherItem):
            out.append(item)
        else:
            raise TypeError(f"not a script item: {item!r}")
    return out


@dataclass
class Reply(_Serialisable):
    """A normal streamed answer made of ``items`` (a ``str`` item means ``Text(str)``).

    ``delta_delay``: seconds to sleep before each delta (each event is then flushed at
    once).  ``chunk``: write batch size in bytes (0 = 64 KiB).  ``usage``: overrides of
    the reported usage (Responses names ``input_tokens``/``output_tokens``/... or Chat
    names ``prompt_tokens``/``completion_tokens``).  ``pause_before``: seconds to wait
    before sending the response headers.  ``headers``: extra response headers (e.g. the
    ``x-codex-primary-used-percent`` rate-limit family).  ``full``: the whole event set of
    OpenAI's reference around the items (``response.in_progress``, a keep-alive comment,
    ``sequence_number`` on every event); off by default so event counts stay put.
    """

    items: list[Item] = field(default_factory=list)
    delta_delay: float = 0.0
    chunk: int = 0
    usage: dict[str, Any] | None = None
    pause_before: float = 0.0
    headers: dict[str, str] | None = None
    full: bool = False
    kind: ClassVar[str] = "reply"

    def __post_init__(self) -> None:
        self.items = _coerce_items(self.items)


@dataclass
class HttpError(_Serialisable):
    """Answer with an HTTP error: ``status``, a JSON ``body`` and extra ``headers``.

    The default body is OpenAI's ``{"error": {"message", "type", "code"}}`` for the status
    (e.g. 401 ``invalid_api_key``, 404 ``model_not_found``, 429 ``rate_limit_exceeded``).
    Pass ``headers={"Retry-After": "1"}`` for a 429 with a retry hint.
    """

    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    kind: ClassVar[str] = "http_error"


@dataclass
class Failed(_Serialisable):
    """A stream that fails: ``response.created`` then ``response.failed`` (Responses), or a
    role chunk then a ``data: {"error": {...}}`` chunk and no ``[DONE]`` (Chat).  With
    ``"stream": false`` it is an HTTP 500 error with the same message and code.
    """

    message: str = "The model failed to produce a response."
    code: str = "server_error"
    kind: ClassVar[str] = "failed"


@dataclass
class Drop(_Serialisable):
    """Start streaming a reply of ``items`` and cut the connection after ``after_events``
    SSE events (``response.created`` / the role chunk count as one).

    No ``response.completed`` / ``[DONE]`` is sent.  By default the chunked body is left
    unterminated, so HTTP clients see a transport error (httpx: ``RemoteProtocolError``,
    "incomplete chunked read") after receiving the events; with ``clean=True`` the body is
    terminated properly and the stream just ends early.
    """

    after_events: int
    items: list[Item] = field(
        default_factory=lambda: [Text("This answer is cut off somewhere in the middle.")]
    )
    clean: bool = False
    reset: bool = False
    """Cut with a TCP reset (RST, ``SO_LINGER`` 0) instead of a close: "connection reset"."""
    kind: ClassVar[str] = "drop"

    def __post_init__(self) -> None:
        self.items = _coerce_items(self.items)


@dataclass
class Hang(_Serialisable):
    """Send headers and ``response.created`` (Chat: a role chunk), then send nothing.

    The stream ends (cleanly, without completion) after ``seconds`` or when the server
    stops; if the client disconnects first the server notices and the request's
    :attr:`RecordedRequest.client_disconnected` becomes true.
    """

    seconds: float = 60.0
    kind: ClassVar[str] = "hang"


@dataclass
class Garbled(_Serialisable):
    """A normal streamed reply of ``items`` with the wire text ``raw`` slipped in before
    event number ``at`` (``response.created`` / the role chunk is number 0).

    For faults a real server or proxy can produce: an event whose ``data:`` is not JSON,
    an event type the client does not know, a comment line.  ``raw`` is sent as is, so
    it must end with a blank line (``"\n\n"``) to be a complete SSE event.
    """

    raw: str
    items: list[Item] = field(default_factory=lambda: [Text("An answer despite the noise.")])
    at: int = 1
    kind: ClassVar[str] = "garbled"

    def __post_init__(self) -> None:
        self.items = _coerce_items(self.items)


Turn: TypeAlias = Reply | HttpError | Failed | Drop | Hang | Garbled

_ITEM_TYPES: dict[str, type[Any]] = {
    cls.kind: cls for cls in (Text, FunctionCall, Flood, *EXTRA_ITEMS)
}
_TURN_TYPES: dict[str, type[Any]] = {
    cls.kind: cls for cls in (Reply, HttpError, Failed, Drop, Hang, Garbled)
}
_TURN_CLASSES = (Reply, HttpError, Failed, Drop, Hang, Garbled)


def _from_dict(data: dict[str, Any], registry: dict[str, type[Any]], what: str) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"a {what} must be a JSON object, got {data!r}")
    data = dict(data)
    kind = data.pop("type", None)
    cls = registry.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown {what} type {kind!r}; expected one of {sorted(registry)}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown field(s) {unknown} for {what} type {kind!r}")
    if "items" in data:
        data["items"] = _coerce_items(data["items"])
    return cls(**data)


def item_from_dict(data: dict[str, Any]) -> Item:
    """Build an item from ``{"type": "text"|"function_call"|"flood", ...}``."""
    item: Item = _from_dict(data, _ITEM_TYPES, "item")
    return item


def turn_from_dict(data: dict[str, Any] | str) -> Turn:
    """Build a turn from ``{"type": "reply"|"http_error"|"failed"|"drop"|"hang", ...}``.

    A bare string is shorthand for ``Reply([Text(string)])``.
    """
    if isinstance(data, str):
        return Reply([Text(data)])
    turn: Turn = _from_dict(data, _TURN_TYPES, "turn")
    return turn


def _coerce_turn(turn: Turn | dict[str, Any] | str) -> Turn:
    if isinstance(turn, _TURN_CLASSES):
        return turn
    if isinstance(turn, dict | str):
        return turn_from_dict(turn)
    raise TypeError(f"not a script turn: {turn!r}")


def load_script(source: str | Path | dict[str, Any] | list[Any]) -> tuple[list[Turn], Any]:
    """Read a script: a JSON file path, or already-parsed JSON.

    Accepts ``[turn, ...]`` or ``{"turns": [...], "default": turn}``.  Returns
    ``(turns, default)`` where ``default`` is a :data:`Turn`, ``None`` (use the loud 500)
    or the ``...`` sentinel when the script does not mention a default.
    """
    data: Any = source
    if isinstance(source, str | Path):
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    if isinstance(data, list):
        data = {"turns": data}
    if not isinstance(data, dict):
        raise ValueError("a script is a JSON list of turns or an object with 'turns'")
    turns = [_coerce_turn(t) for t in data.get("turns", [])]
    default: Any = ...
    if "default" in data:
        default = None if data["default"] is None else _coerce_turn(data["default"])
    return turns, default


# --------------------------------------------------------------------------------------------
# Recorded requests
# --------------------------------------------------------------------------------------------


def _endpoint_kind(method: str, path: str) -> str:
    path = path.rstrip("/")
    if method == "POST" and path.endswith("/responses"):
        return "responses"
    if method == "POST" and path.endswith("/chat/completions"):
        return "chat"
    if method == "POST" and path.endswith("/completions"):
        return "completions"
    if method == "GET" and (path.endswith("/models") or "/models/" in path):
        return "models"
    return "other"


@dataclass
class RecordedRequest:
    """One request as the server received it (recorded before the server answered).

    ``path`` excludes the query string; ``query`` maps each parameter to its last value;
    ``headers`` has lower-cased names; ``body`` is the parsed JSON object, or ``None`` when
    the body is empty or not a JSON object (``raw`` has the decoded bytes).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any] | None
    raw: bytes = field(default=b"", repr=False, compare=False)
    received_at: float = field(default_factory=time.perf_counter, repr=False, compare=False)
    """``time.perf_counter()`` when the request line had been read (CLOCK_MONOTONIC on
    Linux, so it compares with other processes' stamps: the benchmark takes the model's
    own time from it)."""
    answered_at: float | None = field(default=None, repr=False, compare=False)
    """``time.perf_counter()`` just before the end of a streamed answer was written."""
    _disconnected: threading.Event = field(
        default_factory=threading.Event, repr=False, compare=False
    )

    @property
    def kind(self) -> str:
        """``"responses"``, ``"chat"``, ``"models"`` or ``"other"``."""
        return _endpoint_kind(self.method, self.path)

    @property
    def client_disconnected(self) -> bool:
        """True once the server noticed that the client went away mid-response."""
        return self._disconnected.is_set()

    def wait_disconnected(self, timeout: float = 10.0) -> bool:
        """Wait until the server notices the client went away; returns whether it did."""
        return self._disconnected.wait(timeout)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "kind": self.kind,
            "client_disconnected": self.client_disconnected,
            "received_at": self.received_at,
            "answered_at": self.answered_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedRequest:
        req = cls(data["method"], data["path"], data["query"], data["headers"], data["body"])
        req.received_at = data.get("received_at", req.received_at)
        req.answered_at = data.get("answered_at")
        if data.get("client_disconnected"):
            req._disconnected.set()
        return req


# --------------------------------------------------------------------------------------------
# Resolving a reply into concrete output items (ids, text pieces, argument fragments)
# --------------------------------------------------------------------------------------------

_WORDS = re.compile(r"\s*\S+\s*")


def _split_even(text: str, n: int) -> list[str]:
    n = max(1, min(n, len(text)))
    size = len(text)
    return [text[(i * size) // n : ((i + 1) * size) // n] for i in range(n)]


def _split_text(text: str, deltas: int | None) -> list[str]:
    if not text:
        return []
    if deltas is not None:
        return _split_even(text, deltas)
    return _WORDS.findall(text) or [text]


def _split_arguments(arguments: str, deltas: int | None) -> list[str]:
    if not arguments:
        return []
    n = deltas if deltas is not None else max(2, math.ceil(len(arguments) / 32))
    return _split_even(arguments, n)


@dataclass
class _Message:
    id: str
    text: str
    pieces: list[str]  # empty for a flood
    flood: tuple[str, int] | None = None

    def final_item(self) -> dict[str, Any]:
        return {
            "type": "message",
            "id": self.id,
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": self.text, "annotations": []}],
        }


@dataclass
class _Call:
    id: str
    call_id: str
    name: str
    arguments: str
    fragments: list[str]

    def item(self, done: bool) -> dict[str, Any]:
        return {
            "type": "function_call",
            "id": self.id,
            "call_id": self.call_id,
            "name": self.name,
            "arguments": self.arguments if done else "",
            "status": "completed" if done else "in_progress",
        }


@dataclass
class _Resolved:
    number: int
    response_id: str
    chat_id: str
    model: str
    created: int
    outputs: list[_Message | _Call | ResolvedExtra]
    usage: dict[str, Any]
    include_chat_usage: bool
    full: bool = False

    @property
    def text(self) -> str:
        return "".join(o.text for o in self.outputs if isinstance(o, _Message))

    @property
    def calls(self) -> list[_Call]:
        return [o for o in self.outputs if isinstance(o, _Call)]

    @property
    def any_calls(self) -> bool:
        """Function or custom tool calls (both end a Chat answer with ``tool_calls``)."""
        return any(
            isinstance(o, _Call) or (isinstance(o, ResolvedExtra) and o.call_id)
            for o in self.outputs
        )

    def response_object(self, status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "model": self.model,
            "output": output,
        }
        if status == "completed":
            obj["usage"] = self.usage
        return obj

    def final_output(self) -> list[dict[str, Any]]:
        return [o.item(True) if isinstance(o, _Call) else o.final_item() for o in self.outputs]

    def chat_usage(self) -> dict[str, Any]:
        prompt = int(self.usage["input_tokens"])
        completion = int(self.usage["output_tokens"])
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }


def _usage(
    override: dict[str, Any] | None, input_tokens: int, output_tokens: int
) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
    }
    override = dict(override or {})
    if "prompt_tokens" in override:
        override.setdefault("input_tokens", override.pop("prompt_tokens"))
    if "completion_tokens" in override:
        override.setdefault("output_tokens", override.pop("completion_tokens"))
    usage.update(override)
    if "total_tokens" not in override:
        usage["total_tokens"] = int(usage["input_tokens"]) + int(usage["output_tokens"])
    return usage


# --------------------------------------------------------------------------------------------
# Event generators.  Each yields (event bytes, is_delta).
# --------------------------------------------------------------------------------------------

_Events: TypeAlias = Iterator[tuple[bytes, bool]]


def _insert_event(events: _Events, extra: tuple[bytes, bool], at: int) -> _Events:
    """``events`` with ``extra`` slipped in before event number ``at`` (or at the end)."""
    sent = False
    for index, event in enumerate(events):
        if index == at:
            sent = True
            yield extra
        yield event
    if not sent:
        yield extra


def _responses_events(r: _Resolved) -> _Events:
    if r.full:
        yield from _numbered(_responses_events_plain(r))
    else:
        yield from _responses_events_plain(r)


def _numbered(events: _Events) -> _Events:
    """Every event with OpenAI's ``sequence_number``; a keep-alive comment after the start."""
    for number, (data, is_delta) in enumerate(events):
        head, _, rest = data.partition(b"\ndata: {")
        yield head + b'\ndata: {"sequence_number":%d,' % number + rest, is_delta
        if number == 0:
            in_progress = b"event: response.in_progress\ndata: " + data.split(b"data: ", 1)[1]
            in_progress = in_progress.replace(b'"response.created"', b'"response.in_progress"', 1)
            yield in_progress, False
            yield comment("keep-alive"), False


def _responses_events_plain(r: _Resolved) -> _Events:
    yield (
        responses_event("response.created", response=r.response_object("in_progress", [])),
        False,
    )
    for index, out in enumerate(r.outputs):
        if isinstance(out, _Message):
            yield from _responses_message_events(out, index)
        elif isinstance(out, ResolvedExtra):
            yield from out.responses_events(index)
        else:
            yield from _responses_call_events(out, index)
    yield (
        responses_event(
            "response.completed", response=r.response_object("completed", r.final_output())
        ),
        False,
    )


def _responses_message_events(m: _Message, index: int) -> _Events:
    added: dict[str, Any] = {
        "type": "message",
        "id": m.id,
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    yield responses_event("response.output_item.added", output_index=index, item=added), False
    part = {"type": "output_text", "text": "", "annotations": []}
    yield (
        responses_event(
            "response.content_part.added",
            item_id=m.id,
            output_index=index,
            content_index=0,
            part=part,
        ),
        False,
    )
    pieces: Iterable[str] = m.pieces
    if m.flood is not None:
        piece, count = m.flood
        event = responses_event(
            "response.output_text.delta",
            item_id=m.id,
            output_index=index,
            content_index=0,
            delta=piece,
        )
        for _ in range(count):
            yield event, True
        pieces = ()
    for piece in pieces:
        yield (
            responses_event(
                "response.output_text.delta",
                item_id=m.id,
                output_index=index,
                content_index=0,
                delta=piece,
            ),
            True,
        )
    yield (
        responses_event(
            "response.output_text.done",
            item_id=m.id,
            output_index=index,
            content_index=0,
            text=m.text,
        ),
        False,
    )
    yield (
        responses_event("response.output_item.done", output_index=index, item=m.final_item()),
        False,
    )


def _responses_call_events(c: _Call, index: int) -> _Events:
    yield (
        responses_event("response.output_item.added", output_index=index, item=c.item(False)),
        False,
    )
    for fragment in c.fragments:
        yield (
            responses_event(
                "response.function_call_arguments.delta",
                item_id=c.id,
                output_index=index,
                delta=fragment,
            ),
            True,
        )
    yield (
        responses_event("response.output_item.done", output_index=index, item=c.item(True)),
        False,
    )


def _chat_chunk(r: _Resolved, delta: dict[str, Any], finish: str | None = None) -> bytes:
    return data_event(
        {
            "id": r.chat_id,
            "object": "chat.completion.chunk",
            "created": r.created,
            "model": r.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


def _events_for(kind: str, r: _Resolved) -> _Events:
    """The stream for one endpoint: Responses, Chat, or legacy (FIM) completions."""
    if kind == "responses":
        return _responses_events(r)
    if kind == "completions":
        pieces = [p for o in r.outputs if isinstance(o, _Message) for p in o.pieces]
        return completion_events(r, pieces)
    return _chat_events(r)


def _chat_events(r: _Resolved) -> _Events:
    yield _chat_chunk(r, {"role": "assistant", "content": ""}), False
    tool_index = 0
    for out in r.outputs:
        if isinstance(out, ResolvedExtra):
            if isinstance(out.source, Reasoning):
                for part in out.source.summary:
                    yield _chat_chunk(r, {"reasoning_content": part}), True
            continue
        if isinstance(out, _Message):
            if out.flood is not None:
                piece, count = out.flood
                event = _chat_chunk(r, {"content": piece})
                for _ in range(count):
                    yield event, True
            for piece in out.pieces:
                yield _chat_chunk(r, {"content": piece}), True
            continue
        head = {
            "index": tool_index,
            "id": out.call_id,
            "type": "function",
            "function": {"name": out.name, "arguments": ""},
        }
        yield _chat_chunk(r, {"tool_calls": [head]}), False
        for fragment in out.fragments:
            frag = {"index": tool_index, "function": {"arguments": fragment}}
            yield _chat_chunk(r, {"tool_calls": [frag]}), True
        tool_index += 1
    yield _chat_chunk(r, {}, "tool_calls" if r.any_calls else "stop"), False
    if r.include_chat_usage:
        yield (
            data_event(
                {
                    "id": r.chat_id,
                    "object": "chat.completion.chunk",
                    "created": r.created,
                    "model": r.model,
                    "choices": [],
                    "usage": r.chat_usage(),
                }
            ),
            False,
        )
    yield DONE, False


def _chat_completion(r: _Resolved) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": r.text or None}
    if r.calls:
        message["tool_calls"] = [
            {
                "id": c.call_id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in r.calls
        ]
    return {
        "id": r.chat_id,
        "object": "chat.completion",
        "created": r.created,
        "model": r.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if r.calls else "stop",
            }
        ],
        "usage": r.chat_usage(),
    }


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


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _ClientGone(Exception):
    """The client closed the connection (or the server is stopping) mid-response."""


class _ChunkedWriter:
    """Buffers SSE bytes and writes them as HTTP/1.1 chunks of about ``batch`` bytes."""

    def __init__(self, wfile: Any, batch: int) -> None:
        self._wfile = wfile
        self._batch = batch
        self._buf: list[bytes] = []
        self._size = 0

    def write(self, data: bytes, flush: bool = False) -> None:
        self._buf.append(data)
        self._size += len(data)
        if flush or self._size >= self._batch:
            self.flush()

    def flush(self) -> None:
        if not self._size:
            return
        payload = b"".join(self._buf)
        self._buf.clear()
        self._size = 0
        self._send(b"%x\r\n%b\r\n" % (len(payload), payload))

    def finish(self) -> None:
        self.flush()
        self._send(b"0\r\n\r\n")

    def _send(self, data: bytes) -> None:
        try:
            self._wfile.write(data)
        except OSError as exc:  # BrokenPipe, ConnectionReset, ...
            raise _ClientGone from exc


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    owner: ScriptedModelServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError | _ClientGone):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    server_version = "ScriptedModelServer/1.0"

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def parse_request(self) -> bool:
        self._request_line_at = time.perf_counter()  # before the headers and body are read
        return super().parse_request()

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("MODEL_SERVER_VERBOSE"):
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    # -- request parsing -------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
            raw = b"".join(parts)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
        encoding = self.headers.get("Content-Encoding", "").strip().lower()
        with contextlib.suppress(OSError, zlib.error, EOFError):
            if encoding in ("gzip", "x-gzip"):
                raw = gzip.decompress(raw)
            elif encoding == "deflate":
                raw = zlib.decompress(raw)
        return raw

    # -- responses -------------------------------------------------------------------------

    def _send_json(
        self,
        status: int,
        obj: Any,
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
    ) -> None:
        payload = json.dumps(obj).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if request_id:
            self.send_header("x-request-id", request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(payload)

    def _start_stream(self, request_id: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(200)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.send_header("x-request-id", request_id)
        try:
            self.end_headers()
        except OSError as exc:
            raise _ClientGone from exc

    def _client_gone(self) -> bool:
        """Non-blocking check whether the peer closed its side of the connection."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
            return peeked == b""
        except OSError:
            return True

    # -- dispatch --------------------------------------------------------------------------

    def _dispatch(self) -> None:
        owner = self.server.owner
        url = urlsplit(self.path)
        path = url.path or "/"
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send_json(400, _error_body(400, "malformed request body"))
            return
        body: Any = None
        parse_error: str | None = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                parse_error = f"request body is not valid JSON: {exc}"
        if path.startswith("/_"):
            self._control(path, query, body)
            return

        record_body = body if isinstance(body, dict) else None
        request = RecordedRequest(self.command, path, query, headers, record_body, raw)
        request.received_at = getattr(self, "_request_line_at", request.received_at)
        kind = request.kind
        is_model = kind in ("responses", "chat", "completions")
        if is_model and parse_error is None and not isinstance(body, dict):
            parse_error = "request body must be a JSON object"
        turn, number = owner._record(request, consume=is_model and parse_error is None)
        request_id = f"req_{number}"

        if kind == "models":
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {
                            "id": DEFAULT_MODEL,
                            "object": "model",
                            "created": 0,
                            "owned_by": "scripted-model-server",
                        }
                    ],
                },
                request_id=request_id,
            )
            return
        if not is_model:
            self._send_json(
                404,
                _error_body(404, f"no route for {self.command} {path}", "not_found"),
                request_id=request_id,
            )
            return
        if parse_error is not None:
            self._send_json(400, _error_body(400, parse_error), request_id=request_id)
            return
        assert isinstance(body, dict)
        self._request = request
        try:
            self._serve_turn(turn, kind, body, request, number, request_id)
        except _ClientGone:
            request._disconnected.set()
            self.close_connection = True

    def _serve_turn(
        self,
        turn: Turn | None,
        kind: str,
        body: dict[str, Any],
        request: RecordedRequest,
        number: int,
        request_id: str,
    ) -> None:
        owner = self.server.owner
        stopping = owner._stopping
        stream = body.get("stream") is not False
        if turn is None:
            self._send_json(
                500,
                _error_body(
                    500,
                    f"no scripted turn left (request #{number}: {self.command} {request.path})",
                    "no_scripted_turn",
                ),
                request_id=request_id,
            )
            return
        if isinstance(turn, HttpError):
            body_out = turn.body if turn.body is not None else _error_body(turn.status)
            self._send_json(turn.status, body_out, turn.headers, request_id=request_id)
            return
        if isinstance(turn, Reply) and turn.pause_before > 0:
            if stopping.wait(turn.pause_before):
                self.close_connection = True
                return

        items = turn.items if isinstance(turn, Reply | Drop | Garbled) else []
        usage = turn.usage if isinstance(turn, Reply) else None
        resolved = owner._resolve(number, items, body, usage)
        resolved.full = isinstance(turn, Reply) and turn.full
        extra_headers = turn.headers if isinstance(turn, Reply) else None

        if not stream:
            self._serve_unstreamed(turn, kind, resolved, request_id, request)
            return

        self._start_stream(request_id, extra_headers)
        if isinstance(turn, Reply):
            events = _events_for(kind, resolved)
            batch = turn.chunk if turn.chunk > 0 else DEFAULT_BATCH
            self._stream_events(events, batch, turn.delta_delay, None, True)
        elif isinstance(turn, Drop):
            events = _events_for(kind, resolved)
            self._stream_events(
                events, DEFAULT_BATCH, 0.0, turn.after_events, turn.clean, reset=turn.reset
            )
        elif isinstance(turn, Garbled):
            events = _events_for(kind, resolved)
            raw = (turn.raw.encode(), False)
            self._stream_events(_insert_event(events, raw, turn.at), DEFAULT_BATCH, 0.0, None, True)
        elif isinstance(turn, Failed):
            writer = _ChunkedWriter(self.wfile, DEFAULT_BATCH)
            if kind == "responses":
                writer.write(
                    responses_event(
                        "response.created", response=resolved.response_object("in_progress", [])
                    )
                )
                failed = resolved.response_object("failed", [])
                failed["error"] = {"code": turn.code, "message": turn.message}
                writer.write(responses_event("response.failed", response=failed))
            else:
                writer.write(_chat_chunk(resolved, {"role": "assistant", "content": ""}))
                err = _error_body(500, turn.message, turn.code)
                writer.write(data_event(err))
            writer.finish()
        elif isinstance(turn, Hang):
            writer = _ChunkedWriter(self.wfile, DEFAULT_BATCH)
            if kind == "responses":
                first = responses_event(
                    "response.created", response=resolved.response_object("in_progress", [])
                )
            else:
                first = _chat_chunk(resolved, {"role": "assistant", "content": ""})
            writer.write(first, flush=True)
            self._hold(turn.seconds, request)
            writer.finish()

    def _serve_unstreamed(
        self,
        turn: Turn,
        kind: str,
        resolved: _Resolved,
        request_id: str,
        request: RecordedRequest,
    ) -> None:
        if isinstance(turn, Reply | Garbled):
            if kind == "responses":
                obj = resolved.response_object("completed", resolved.final_output())
            elif kind == "completions":
                obj = completion_object(resolved, resolved.text)
            else:
                obj = _chat_completion(resolved)
            self._send_json(200, obj, request_id=request_id)
        elif isinstance(turn, Failed):
            self._send_json(500, _error_body(500, turn.message, turn.code), request_id=request_id)
        elif isinstance(turn, Hang):
            self._hold(turn.seconds, request)
            self.close_connection = True
        else:  # Drop: close without any response
            self.close_connection = True

    def _hold(self, seconds: float, request: RecordedRequest) -> None:
        """Wait ``seconds`` (or until the server stops) while watching for a disconnect."""
        stopping = self.server.owner._stopping
        deadline = time.monotonic() + seconds
        while not stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                readable, _, _ = select.select([self.connection], [], [], min(0.05, remaining))
            except (OSError, ValueError):
                raise _ClientGone from None
            if readable:
                if self._client_gone():
                    raise _ClientGone
                # The client sent unexpected bytes; don't spin on a readable socket.
                time.sleep(min(0.05, max(remaining, 0)))

    def _stream_events(
        self,
        events: _Events,
        batch: int,
        delta_delay: float,
        limit: int | None,
        terminate: bool,
        reset: bool = False,
    ) -> None:
        stopping = self.server.owner._stopping
        writer = _ChunkedWriter(self.wfile, batch)
        sent = 0
        for data, is_delta in events:
            if limit is not None and sent >= limit:
                break
            if delta_delay > 0:
                if is_delta:
                    writer.flush()
                    if stopping.wait(delta_delay):
                        raise _ClientGone  # server stopping: cut the stream
                writer.write(data, flush=True)
            else:
                writer.write(data)
            sent += 1
        if terminate:
            request = getattr(self, "_request", None)
            if request is not None:
                request.answered_at = time.perf_counter()
            writer.finish()
        else:
            writer.flush()  # leave the chunked body unterminated: an abrupt cut
            self.close_connection = True
            with contextlib.suppress(OSError):
                if reset:  # close now with RST: the client reads "connection reset by peer"
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    os.close(self.connection.detach())
                else:
                    self.connection.shutdown(socket.SHUT_RDWR)

    # -- control endpoints -----------------------------------------------------------------

    def _control(self, path: str, query: dict[str, str], body: Any) -> None:
        owner = self.server.owner
        try:
            if self.command == "POST" and path == "/_script":
                if isinstance(body, list):
                    body = {"turns": body}
                turns, default = load_script(body or {})
                owner.script(*turns)
                if default is not ...:
                    owner.set_default(default)
                self._send_json(200, {"queued": owner.pending_turns})
            elif self.command == "POST" and path == "/_reset":
                owner.reset()
                self._send_json(200, {"ok": True})
            elif self.command == "GET" and path == "/_requests":
                minimum = int(query.get("min", "0"))
                timeout = float(query.get("timeout", "0"))
                with owner._cond:
                    owner._cond.wait_for(lambda: len(owner._requests) >= minimum, timeout)
                    reqs = list(owner._requests)
                self._send_json(200, [r.to_dict() for r in reqs])
            elif self.command == "GET" and path == "/_health":
                self._send_json(200, {"ok": True, "pending_turns": owner.pending_turns})
            else:
                self._send_json(404, _error_body(404, f"no control route {path}", "not_found"))
        except (TypeError, ValueError) as exc:
            self._send_json(400, _error_body(400, f"bad script: {exc}"))


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class ScriptedModelServer:
    """An OpenAI-compatible HTTP server on 127.0.0.1 that answers from a script.

    Each ``POST .../responses`` or ``.../chat/completions`` consumes the next turn queued
    with :meth:`script`; when the queue is empty the :meth:`set_default` turn is used, and
    without one the server answers HTTP 500 ``no scripted turn left`` so tests fail loudly.
    """

    handler_class: type[BaseHTTPRequestHandler] = _Handler
    """Request handler; subclasses (the bench's) swap in their own."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the scripted model server only listens on 127.0.0.1")
        self.host = "127.0.0.1"
        self._port = port
        self._cond = threading.Condition()
        self._queue: deque[Turn] = deque()
        self._default: Turn | None = None
        self._requests: list[RecordedRequest] = []
        self._request_count = 0
        self._call_count = 0
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ScriptedModelServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self.host, self._port), self.handler_class)
        httpd.owner = self
        self._port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"model-server-{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ScriptedModelServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None and not self._port:
            raise RuntimeError("server not started")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v1``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: what an OpenAI client's ``base_url`` should be."""
        return f"{self.url}/v1"

    # -- script ----------------------------------------------------------------------------

    def script(self, *turns: Turn | dict[str, Any] | str) -> None:
        """Append turns (dataclasses, dicts as in JSON scripts, or strings) to the queue."""
        flat: list[Any] = []
        for turn in turns:
            if isinstance(turn, list | tuple):
                flat.extend(turn)
            else:
                flat.append(turn)
        coerced = [_coerce_turn(t) for t in flat]
        with self._cond:
            self._queue.extend(coerced)

    def load_script(self, source: str | Path | dict[str, Any] | list[Any]) -> None:
        """Queue the turns (and set the default, if given) of a JSON script."""
        turns, default = load_script(source)
        self.script(*turns)
        if default is not ...:
            self.set_default(default)

    def set_default(self, turn: Turn | dict[str, Any] | str | None) -> None:
        """Turn served when the queue is empty (``None``: HTTP 500 "no scripted turn left")."""
        coerced = None if turn is None else _coerce_turn(turn)
        with self._cond:
            self._default = coerced

    @property
    def pending_turns(self) -> int:
        """Number of scripted turns not consumed yet."""
        with self._cond:
            return len(self._queue)

    def reset(self) -> None:
        """Forget queued turns, the default, recorded requests and id counters."""
        with self._cond:
            self._queue.clear()
            self._default = None
            self._requests.clear()
            self._request_count = 0
            self._call_count = 0

    # -- recorded requests -----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every recorded request (control endpoints excluded), in order."""
        with self._cond:
            return list(self._requests)

    def wait_for_requests(
        self, n: int, timeout: float = 10, kind: str | None = None
    ) -> list[RecordedRequest]:
        """Wait until at least ``n`` requests (of ``kind``, if given: ``"responses"``,
        ``"chat"``, ``"models"``, ``"other"``) are recorded; return all of them.

        Raises :class:`TimeoutError` (listing what did arrive) after ``timeout`` seconds.
        """

        def matching() -> list[RecordedRequest]:
            return [r for r in self._requests if kind is None or r.kind == kind]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= n, timeout):
                got = [f"{r.method} {r.path}" for r in self._requests]
                raise TimeoutError(
                    f"expected {n} {kind or 'any'} request(s) within {timeout}s, got {got}"
                )
            return matching()

    # -- internals used by the handler -----------------------------------------------------

    def _record(self, request: RecordedRequest, consume: bool) -> tuple[Turn | None, int]:
        with self._cond:
            self._request_count += 1
            number = self._request_count
            turn: Turn | None = None
            if consume:
                turn = self._queue.popleft() if self._queue else self._default
            self._requests.append(request)
            self._cond.notify_all()
            return turn, number

    def _next_call_id(self) -> str:
        with self._cond:
            self._call_count += 1
            return f"call_{self._call_count}"

    def _resolve(
        self,
        number: int,
        items: Sequence[Item],
        body: dict[str, Any],
        usage: dict[str, Any] | None,
    ) -> _Resolved:
        outputs: list[_Message | _Call | ResolvedExtra] = []
        out_chars = 0
        for index, item in enumerate(items):
            if isinstance(item, Reasoning | CustomCall | OtherItem):
                outputs.append(resolve_extra(item, number, index, self._next_call_id))
                out_chars += len(dumps(item.to_dict()))
            elif isinstance(item, Text):
                pieces = _split_text(item.text, item.deltas)
                outputs.append(_Message(f"msg_{number}_{index}", item.text, pieces))
                out_chars += len(item.text)
            elif isinstance(item, Flood):
                text = item.piece * item.count
                outputs.append(
                    _Message(f"msg_{number}_{index}", text, [], (item.piece, item.count))
                )
                out_chars += len(text)
            else:
                args = (
                    item.arguments
                    if isinstance(item.arguments, str)
                    else json.dumps(item.arguments)
                )
                call_id = item.call_id or self._next_call_id()
                outputs.append(
                    _Call(
                        f"fc_{number}_{index}",
                        call_id,
                        item.name,
                        args,
                        _split_arguments(args, item.deltas),
                    )
                )
                out_chars += len(args) + len(item.name)
        in_tokens = max(1, len(dumps(body)) // 4)
        out_tokens = max(1, out_chars // 4) if outputs else 0
        stream_options = body.get("stream_options")
        include_usage = isinstance(stream_options, dict) and bool(
            stream_options.get("include_usage")
        )
        return _Resolved(
            number=number,
            response_id=f"resp_{number}",
            chat_id=f"chatcmpl-{number}",
            model=str(body.get("model") or DEFAULT_MODEL),
            created=int(time.time()),
            outputs=outputs,
            usage=_usage(usage, in_tokens, out_tokens),
            include_chat_usage=include_usage,
        )


# --------------------------------------------------------------------------------------------
# A CLI server in a child process, controlled over HTTP
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _stdin_is_watchable(stream: IO[Any]) -> bool:
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(stream.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scripted model server until SIGTERM/SIGINT or stdin EOF."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.model_server",
        description="Scripted OpenAI-compatible model server on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="port (0: pick a free one)")
    parser.add_argument("--script", type=Path, help="JSON script: [turns] or {turns, default}")
    parser.add_argument("--port-file", type=Path, help="write the port number to this file")
    parser.add_argument(
        "--ignore-stdin", action="store_true", help="do not exit when stdin reaches EOF"
    )
    args = parser.parse_args(argv)

    server = ScriptedModelServer(port=args.port)
    if args.script is not None:
        server.load_script(args.script)
    server.start()
    done = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if not args.ignore_stdin and _stdin_is_watchable(sys.stdin):

        def watch_stdin() -> None:
            with contextlib.suppress(OSError, ValueError):
                while os.read(sys.stdin.fileno(), 65536):
                    pass
            done.set()

        threading.Thread(target=watch_stdin, name="stdin-eof", daemon=True).start()

    try:
        if args.port_file is not None:
            tmp = args.port_file.with_name(args.port_file.name + ".tmp")
            tmp.write_text(f"{server.port}\n", encoding="utf-8")
            os.replace(tmp, args.port_file)
        print(f"LISTENING {server.base_url}", flush=True)
        while not done.wait(0.2):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
