"""Non-blocking LSP transport: the message loop never waits on the client.

Stock pygls writes stdout synchronously on the event loop thread, so a client
that stops reading freezes the server, and one that writes a large message
while not reading deadlocks with it. Here stdin/stdout (or a TCP socket) are
asyncio transports: `write()` only appends to the transport's buffer and
returns, so the loop keeps reading and answering. Memory stays bounded by
flow control at the *producer*: code that streams many messages awaits
`wait_writable()`, which blocks only that producer while the buffer is above
the high-water mark. No fixed-size queue exists that could fill and stall.

The read loop is ours too: a frame with a bad `Content-Length`, a body that is
not JSON, or params that do not decode cost one log line and (for a request)
an error answer, never a traceback or a request left without an answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any, BinaryIO

from pygls.exceptions import JsonRpcException

from codex_lsp.lsp.rpc.jsonrpc import PARSE_ERROR, CodexProtocol, short_text

log = logging.getLogger(__name__)

HIGH_WATER = 256 * 1024
"""Producers wait while more than this many bytes are queued for the client."""
LOW_WATER = 64 * 1024
MAX_MESSAGE_BYTES = 64 << 20
"""A larger `Content-Length` is refused as a bad header (it would only exhaust memory)."""


class FlowWriter:
    """pygls writer over an asyncio `StreamWriter`: never blocks, can be awaited."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._closed = False
        writer.transport.set_write_buffer_limits(high=HIGH_WATER, low=LOW_WATER)

    def write(self, data: bytes) -> None:
        """Queue bytes for the client; safe from any thread, returns at once."""
        if self._closed:
            return
        if threading.get_ident() == self._thread:
            self._write(data)
        else:
            self._loop.call_soon_threadsafe(self._write, data)

    def _write(self, data: bytes) -> None:
        if self._writer.transport.is_closing():
            self._closed = True
            return
        self._writer.write(data)

    @property
    def buffered(self) -> int:
        """Bytes queued but not yet taken by the client."""
        return self._writer.transport.get_write_buffer_size()

    async def wait_writable(self) -> None:
        """Wait (this producer only) until the client has caught up below the mark."""
        if self._closed or self.buffered <= HIGH_WATER:
            return
        try:
            await self._writer.drain()
        except (ConnectionError, RuntimeError):
            self._closed = True

    def close(self) -> None:
        """Flush what is queued and close the stream."""
        if not self._closed:
            self._closed = True
            self._writer.close()


async def _stdio_streams(
    stdin: BinaryIO, stdout: BinaryIO, already_read: bytes = b""
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    if already_read:
        reader.feed_data(already_read)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.streams.FlowControlMixin(loop=loop), stdout
    )
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    return reader, writer


class _SafeReader:
    """Treat a stream cut in the middle of a message as end of input."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    async def readline(self) -> bytes:
        try:
            return await self._reader.readline()
        except ValueError:  # a line over the reader's limit: dropped by the reader
            log.warning("ignored a header line longer than %d bytes", 1 << 20)
            return b"?\r\n"

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._reader.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""


async def read_frame_length(reader: _SafeReader) -> int | None:
    """The next frame's `Content-Length`; None at end of input.

    Lines that are not a usable `Content-Length` are skipped, so a broken frame
    costs that frame only.
    """
    length = 0
    while True:
        line = await reader.readline()
        if not line:
            return None
        if not line.strip():
            if length:
                return length
            continue
        name, sep, value = line.partition(b":")
        if not sep or name.strip().lower() != b"content-length":
            continue
        size = int(value.strip()) if value.strip().isdigit() else 0
        if 0 < size <= MAX_MESSAGE_BYTES:
            length = size
        else:
            log.warning("ignored a bad Content-Length header: %s", short_text(repr(value), 80))


def dispatch(
    protocol: CodexProtocol, body: bytes, on_error: Callable[[Exception, Any], Any]
) -> None:
    """Parse, decode and handle one message body; a broken one is answered or ignored."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        reason = short_text(str(exc), 120)
        log.warning("ignored a message that is not JSON (%d bytes): %s", len(body), reason)
        protocol.send_error(None, PARSE_ERROR, "Parse error: the message is not valid JSON")
        return
    try:
        protocol.handle_message(protocol.decode_message(data))
    except Exception as exc:
        log.error("could not handle a message: %s", short_text(f"{type(exc).__name__}: {exc}"))
        on_error(exc, JsonRpcException)


async def _read_loop(
    reader: _SafeReader,
    protocol: CodexProtocol,
    stop_event: threading.Event,
    on_error: Callable[[Exception, Any], Any],
) -> None:
    while not stop_event.is_set():
        length = await read_frame_length(reader)
        if length is None:
            return
        body = await reader.readexactly(length)
        if not body:
            return
        dispatch(protocol, body, on_error)


async def _serve(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    protocol: CodexProtocol,
    stop_event: threading.Event,
    on_error: Callable[[Exception, Any], Any],
) -> None:
    flow = FlowWriter(writer)
    protocol.set_writer(flow)
    await _read_loop(_SafeReader(reader), protocol, stop_event, on_error)


def run_stdio(
    protocol: CodexProtocol,
    stop_event: threading.Event,
    on_error: Callable[[Exception, Any], Any],
    on_start: Callable[[], Coroutine[Any, Any, None]] | None = None,
    already_read: bytes = b"",
) -> None:
    """Serve LSP on this process's stdin/stdout until EOF or `exit`.

    `already_read` holds bytes taken from stdin before the loop started (see
    `fast_start`); they are processed first, in order.
    """
    stdin = os.fdopen(sys.stdin.fileno(), "rb", buffering=0, closefd=False)
    stdout = os.fdopen(sys.stdout.fileno(), "wb", buffering=0, closefd=False)
    # Nothing else may write to fd 1: it carries the protocol.
    sys.stdout = sys.stderr

    async def main() -> None:
        reader, writer = await _stdio_streams(stdin, stdout, already_read)
        if on_start is not None:
            await on_start()
        await _serve(reader, writer, protocol, stop_event, on_error)
        writer.close()

    asyncio.run(main())


def run_tcp(
    protocol: CodexProtocol,
    stop_event: threading.Event,
    on_error: Callable[[Exception, Any], Any],
    host: str,
    port: int,
    on_listen: Callable[[str, int], None] | None = None,
) -> None:
    """Serve LSP to one TCP client at a time on HOST:PORT."""

    async def main() -> None:
        done = asyncio.Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _serve(reader, writer, protocol, stop_event, on_error)
            writer.close()
            done.set()

        server = await asyncio.start_server(connection, host, port)
        sock_host, sock_port = server.sockets[0].getsockname()[:2]
        log.info("listening on %s:%s", sock_host, sock_port)
        if on_listen is not None:
            on_listen(sock_host, sock_port)
        async with server:
            await done.wait()

    asyncio.run(main())
