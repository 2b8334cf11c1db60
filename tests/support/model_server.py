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

Layout (each module says its job): :mod:`~tests.support.model_script` (items, turns,
recorded requests), :mod:`~tests.support.model_resolved` (a reply made concrete),
:mod:`~tests.support.model_events` (Responses / Chat event streams),
:mod:`~tests.support.model_faults` (error bodies, failing streams, disconnects),
:mod:`~tests.support.model_http` (the request handler), :mod:`~tests.support.model_process`
(the child-process wrapper).  This module holds :class:`ScriptedModelServer` and the command
line, and re-exports every name tests import from it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import stat
import sys
import threading
from collections import deque
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .model_faults import _error_body
from .model_http import DEFAULT_BATCH as DEFAULT_BATCH
from .model_http import _Handler as _Handler
from .model_http import _HTTPServer
from .model_items import CustomCall, OtherItem, Reasoning, WebSearchCall
from .model_process import ModelServerProcess
from .model_resolved import DEFAULT_MODEL, _Resolved, resolve
from .model_script import (
    Drop,
    Failed,
    Flood,
    FunctionCall,
    Garbled,
    Hang,
    HttpError,
    Item,
    RecordedRequest,
    Reply,
    Text,
    Turn,
    _coerce_turn,
    item_from_dict,
    load_script,
    turn_from_dict,
)

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
    "WebSearchCall",
    "item_from_dict",
    "load_script",
    "main",
    "turn_from_dict",
]


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
        return resolve(number, items, body, usage, self._next_call_id)

    def _control(
        self, command: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        """Answer a control route: ``(status, JSON body)``."""
        try:
            if command == "POST" and path == "/_script":
                if isinstance(body, list):
                    body = {"turns": body}
                turns, default = load_script(body or {})
                self.script(*turns)
                if default is not ...:
                    self.set_default(default)
                return 200, {"queued": self.pending_turns}
            if command == "POST" and path == "/_reset":
                self.reset()
                return 200, {"ok": True}
            if command == "GET" and path == "/_requests":
                minimum = int(query.get("min", "0"))
                timeout = float(query.get("timeout", "0"))
                with self._cond:
                    self._cond.wait_for(lambda: len(self._requests) >= minimum, timeout)
                    reqs = list(self._requests)
                return 200, [r.to_dict() for r in reqs]
            if command == "GET" and path == "/_health":
                return 200, {"ok": True, "pending_turns": self.pending_turns}
            return 404, _error_body(404, f"no control route {path}", "not_found")
        except (TypeError, ValueError) as exc:
            return 400, _error_body(400, f"bad script: {exc}")


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
