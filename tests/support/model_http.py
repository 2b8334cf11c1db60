"""The scripted model server's HTTP side: request parsing, routing, streaming, control routes.

:class:`_Handler` records each request with its :class:`~tests.support.model_server.\
ScriptedModelServer` owner, takes the next scripted turn and answers it (streamed in
chunked SSE batches by :class:`_ChunkedWriter`, or as one JSON object), and serves the
``/_script``, ``/_reset``, ``/_requests`` and ``/_health`` control routes.  Subclasses (the
bench's, the ChatGPT backend's) override ``_dispatch``, ``_serve_turn``, ``_start_stream``
or ``_stream_events``.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import socket
import sys
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .model_events import _chat_completion, _Events, _events_for, _insert_event
from .model_faults import (
    _ClientGone,
    _error_body,
    cut,
    failed_events,
    hold,
    opening_event,
    peer_closed,
)
from .model_fim import completion_object
from .model_inputs import input_error
from .model_resolved import MODELS_LIST, _Resolved
from .model_script import (
    Drop,
    Failed,
    Garbled,
    Hang,
    HttpError,
    RecordedRequest,
    Reply,
    Turn,
)

if TYPE_CHECKING:
    from .model_server import ScriptedModelServer

DEFAULT_BATCH = 64 * 1024
"""Bytes of events buffered before one write, unless a turn asks otherwise."""


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
        if encoding == "zstd":  # Codex compresses bodies to the ChatGPT backend
            import zstandard

            # A streamed frame may not declare its size: read it as a stream.
            raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
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
        return peer_closed(self.connection)

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
        if self.command == "GET" and path.rstrip("/").endswith("/responses"):
            # Codex tries a WebSocket first; 426 sends it to HTTPS at once (as OpenAI's does).
            self._send_json(426, _error_body(426, "Upgrade Required", "upgrade_required"))
            return

        record_body = body if isinstance(body, dict) else None
        request = RecordedRequest(self.command, path, query, headers, record_body, raw)
        request.received_at = getattr(self, "_request_line_at", request.received_at)
        kind = request.kind
        is_model = kind in ("responses", "chat", "completions")
        if is_model and parse_error is None and not isinstance(body, dict):
            parse_error = "request body must be a JSON object"
        if kind == "responses" and parse_error is None:
            parse_error = input_error(body)  # OpenAI refuses malformed tool outputs
        turn, number = owner._record(request, consume=is_model and parse_error is None)
        request_id = f"req_{number}"

        if kind == "models":
            self._send_json(200, MODELS_LIST, request_id=request_id)
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
            for event in failed_events(kind, resolved, turn):
                writer.write(event)
            writer.finish()
        elif isinstance(turn, Hang):
            writer = _ChunkedWriter(self.wfile, DEFAULT_BATCH)
            writer.write(opening_event(kind, resolved), flush=True)
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
        hold(self.connection, self.server.owner._stopping, seconds)

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
            cut(self.connection, reset)

    # -- control endpoints -----------------------------------------------------------------

    def _control(self, path: str, query: dict[str, str], body: Any) -> None:
        status, answer = self.server.owner._control(self.command, path, query, body)
        self._send_json(status, answer)
