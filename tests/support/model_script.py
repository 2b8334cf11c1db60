"""What a test exchanges with the scripted model server: turns in, recorded requests out.

Items (:class:`Text`, :class:`FunctionCall`, :class:`Flood`, plus the extra items of
:mod:`tests.support.model_items`) make up the turns (:class:`Reply`, :class:`HttpError`,
:class:`Failed`, :class:`Drop`, :class:`Hang`, :class:`Garbled`) a test queues; each is a
plain dataclass that converts to and from the JSON of a script file.  A
:class:`RecordedRequest` is what the server saw.  Re-exported by
:mod:`tests.support.model_server`, the module tests import from.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, TypeAlias

from .model_items import EXTRA_ITEMS, CustomCall, OtherItem, Reasoning, WebSearchCall

__all__ = [
    "Drop",
    "Failed",
    "Flood",
    "FunctionCall",
    "Garbled",
    "Hang",
    "HttpError",
    "Item",
    "RecordedRequest",
    "Reply",
    "Text",
    "Turn",
    "item_from_dict",
    "load_script",
    "turn_from_dict",
]


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


Item: TypeAlias = Text | FunctionCall | Flood | Reasoning | CustomCall | OtherItem | WebSearchCall


def _coerce_items(items: Iterable[Item | dict[str, Any] | str]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if isinstance(item, str):
            out.append(Text(item))
        elif isinstance(item, dict):
            out.append(item_from_dict(item))
        elif isinstance(item, Item):
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
