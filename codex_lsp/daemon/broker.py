"""The daemon's MCP broker: one process per zygote that runs MCP servers for its windows.

Why a process of its own: the zygote must stay fork-clean (no event loop, no
threads, no children of its own making but windows), and a window cannot host
what outlives it. The zygote forks the broker right after loading the code,
before it listens (so the broker shares the loaded pages and holds nothing of
the zygote's but a pipe). The broker listens on `broker-<fingerprint>.sock`
beside the zygote's socket (0600 in the private 0700 folder, and it serves only
its own user), and ends, stopping every MCP server, when that pipe reports the
end of the zygote: it never outlives it. If it dies, the zygote forks a new one
for the next window; windows that used it run their servers themselves
(`codex_lsp.mcp.remote`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
import struct
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codex_lsp.mcp.hub import Hub

log = logging.getLogger(__name__)

LINE_LIMIT = 64 * 1024 * 1024
"""Longest message line between a window and the broker (a tool result with images)."""


def socket_for(zygote: Path) -> Path:
    """The broker's socket beside the zygote's (same fingerprint, so the same code)."""
    return zygote.with_name(zygote.name.replace("zygote-", "broker-", 1))


def fork(zygote: Path, close: list[int]) -> tuple[int, int] | None:
    """Fork the broker for `zygote`: its pid and the pipe end whose closing ends it.

    `close`: the zygote's descriptors the broker must not hold (its lock above all).
    None if it cannot be forked (windows then run their MCP servers themselves).
    """
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # pragma: no cover - the child; covered by the e2e tests
        code = 1
        try:
            os.close(write_end)
            for fd in close:
                os.close(fd)
            code = serve(socket_for(zygote), read_end)
        finally:
            os._exit(code)
    os.close(read_end)
    return pid, write_end


def serve(path: Path, parent: int) -> int:
    """Run the broker on `path` until `parent` (a pipe's read end) reports its writer gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an editor's Ctrl-C is not for us
    gc.freeze()  # the zygote's objects: never scanned here, so their pages stay shared
    asyncio.run(_main(path, parent))
    return 0


async def _main(path: Path, parent: int) -> None:
    hubs: list[Hub] = []  # loaded with the first window that has servers (the MCP SDK is big)

    async def window(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not _same_user(writer):
            writer.close()
            return
        from codex_lsp.mcp import hub, sharing

        if not hubs:
            hub.forget_own_environment()
            hubs.append(hub.Hub(sharing.idle_seconds(os.environ)))
        await hubs[0].serve(reader, writer)

    ended = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(parent, ended.set)
    loop.add_signal_handler(signal.SIGTERM, ended.set)
    _remove(path)
    server = await asyncio.start_unix_server(window, path=str(path), limit=LINE_LIMIT)
    os.chmod(path, 0o600)
    inode = os.stat(path).st_ino
    try:
        await ended.wait()
    finally:
        server.close()
        if _is_ours(path, inode):
            _remove(path)
        for owner in hubs:
            await owner.aclose()


def _same_user(writer: asyncio.StreamWriter) -> bool:
    sock = writer.get_extra_info("socket")
    if sock is None:
        return False
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", raw)[1]) == os.getuid()


def _is_ours(path: Path, inode: int) -> bool:
    try:
        return os.stat(path).st_ino == inode
    except OSError:
        return False


def _remove(path: Path) -> None:
    """Remove a socket file (a local, instant operation)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
