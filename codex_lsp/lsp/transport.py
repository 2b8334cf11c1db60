"""Non-blocking LSP transport: the message loop never waits on the client.

Stock pygls writes stdout synchronously on the event loop thread, so a client
that stops reading freezes the server, and one that writes a large message
while not reading deadlocks with it. Here stdin/stdout (or a TCP socket) are
asyncio transports: `write()` only appends to the transport's buffer and
returns, so the loop keeps reading and answering. Memory stays bounded by
flow control at the *producer*: code that streams many messages awaits
`wait_writable()`, which blocks only that producer while the buffer is above
the high-water mark. No fixed-size queue exists that could fill and stall.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any, BinaryIO

from pygls.io_ import run_async
from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)

HIGH_WATER = 256 * 1024
"""Producers wait while more than this many bytes are queued for the client."""
LOW_WATER = 64 * 1024


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
        return await self._reader.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._reader.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""


async def _serve(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    protocol: JsonRPCProtocol,
    stop_event: threading.Event,
    on_error: Callable[[Exception, Any], Any],
) -> None:
    flow = FlowWriter(writer)
    protocol.set_writer(flow)
    await run_async(
        stop_event=stop_event,
        reader=_SafeReader(reader),
        protocol=protocol,
        logger=log,
        error_handler=on_error,
    )


def run_stdio(
    protocol: JsonRPCProtocol,
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
    protocol: JsonRPCProtocol,
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
