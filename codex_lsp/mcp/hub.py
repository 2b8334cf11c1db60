"""The broker's side: MCP servers run once for every window with the identical entry.

Each window connection attaches to one server (`sharing.share_key` decides
which windows share it), then sends requests: ``ensure`` (ready for calls,
restarting a crashed server as `McpServerConnection` does, once, here),
``call``, ``list``, ``read``, and ``cancel`` for a call whose turn was
cancelled. Every answer carries the server's state for the window's
``codex.status``. A closed connection detaches; the last window's detaching
starts the idle period (`sharing.Pool`), after which the server is stopped.
The process around this is `codex_lsp.daemon.broker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from codex_lsp.config.model import McpServerConfig
from codex_lsp.mcp.connection import STOP_TIMEOUT, McpServerConnection
from codex_lsp.mcp.sharing import Pool, Scheduler, config_from_json, decode, encode, share_key
from codex_lsp.tools.base import ToolFailure

log = logging.getLogger(__name__)

_NOT_INHERITED = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
"""What the SDK adds from its own process's environment to every stdio server's
(`get_default_environment`): removed from the broker's, so a server gets exactly
its window's."""


@dataclass
class _Shared:
    conn: McpServerConnection
    started: asyncio.Task[None]


def forget_own_environment() -> None:
    """Let a server's environment come from its window only (see `_NOT_INHERITED`)."""
    for key in _NOT_INHERITED:
        os.environ.pop(key, None)


def snapshot(conn: McpServerConnection) -> dict[str, Any]:
    """What a window shows of the server: its status, when a restart may be tried, its tools."""
    status = conn.status()
    retry = status.get("retryInSec")
    return {
        "status": status,
        "retryAt": time.time() + float(retry) if retry is not None else None,
        "tools": [t.to_json() for t in conn.offered()],
    }


def _attachment(message: Mapping[str, Any]) -> tuple[str, McpServerConfig, dict[str, str]]:
    name, env = message.get("name"), message.get("env")
    if not isinstance(name, str) or not name:
        raise ValueError("no server id")
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise ValueError("the environment is not a map of strings")
    config = config_from_json(message.get("config"))
    if not config.enabled or config.transport != "stdio" or config.cwd is None:
        raise ValueError("only enabled stdio servers with a working directory are shared")
    return name, config, env


class Hub:
    """Shared servers by key, with the windows attached to each."""

    def __init__(self, idle: float, schedule: Scheduler | None = None) -> None:
        self._pool: Pool[_Shared] = (
            Pool(idle, self._retire) if schedule is None else Pool(idle, self._retire, schedule)
        )
        self._stopping: set[asyncio.Task[None]] = set()
        self._links: dict[str, set[asyncio.StreamWriter]] = {}
        """The windows attached to each server, told of its state after every request."""
        self._closed = False

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One window's link to one server, from its attach to the end of the connection."""
        key: str | None = None
        shared: _Shared | None = None
        calls: dict[Any, asyncio.Task[None]] = {}
        try:
            first = decode(await reader.readline())
            if first is None or first.get("op") != "attach" or self._closed:
                return
            try:
                name, config, env = _attachment(first)
            except ValueError as exc:
                _send(writer, {"id": first.get("id"), "fail": f"the MCP broker refused: {exc}"})
                return
            key = share_key(name, config, env)
            shared = self._pool.acquire(key, lambda: self._open(name, config, env))
            await asyncio.shield(shared.started)
            _send(writer, {"id": first.get("id"), "ok": True, "server": snapshot(shared.conn)})
            self._links.setdefault(key, set()).add(writer)
            await self._requests(reader, writer, shared.conn, self._links[key], calls)
        except (OSError, ValueError, asyncio.LimitOverrunError, asyncio.IncompleteReadError):
            pass
        finally:
            for task in list(calls.values()):
                task.cancel()
            writer.close()
            if key is not None and shared is not None:
                self._links.get(key, set()).discard(writer)
                self._pool.release(key, keep=_worth_keeping(shared.conn))

    async def _requests(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        conn: McpServerConnection,
        links: set[asyncio.StreamWriter],
        calls: dict[Any, asyncio.Task[None]],
    ) -> None:
        while line := await reader.readline():
            message = decode(line)
            if message is None:
                continue
            rid = message.get("id")
            if message.get("op") == "cancel":
                running = calls.get(rid)
                if running is not None:
                    running.cancel()
                continue
            task = asyncio.create_task(_answer(conn, message, writer, links))
            calls[rid] = task
            task.add_done_callback(functools.partial(_forget, calls, rid))

    def _open(self, name: str, config: McpServerConfig, env: dict[str, str]) -> _Shared:
        conn = McpServerConnection(name, config, env)
        log.info("mcp server %r: starting it for the windows that share it", name)
        return _Shared(conn, asyncio.create_task(conn.start(), name=f"mcp-start:{name}"))

    def _retire(self, shared: _Shared) -> None:
        """No window used it for the idle period (or it cannot run): stop it."""
        log.info("mcp server %r: no window uses it, stopping it", shared.conn.name)
        task = asyncio.create_task(_stop(shared))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    async def aclose(self) -> None:
        """Stop every server, used or not (the broker is ending); bounded."""
        self._closed = True
        for shared in self._pool.drain():
            self._retire(shared)
        if self._stopping:
            await asyncio.wait(set(self._stopping), timeout=STOP_TIMEOUT + 5.0)


def _forget(calls: dict[Any, asyncio.Task[None]], rid: Any, _done: object) -> None:
    calls.pop(rid, None)


def _worth_keeping(conn: McpServerConnection) -> bool:
    """Kept warm when a new window could use it; one that never started is not."""
    return conn.state == "running" or conn.restartable


async def _stop(shared: _Shared) -> None:
    if not shared.started.done():
        await asyncio.wait({shared.started}, timeout=STOP_TIMEOUT)
    await shared.conn.stop()


def _send(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    if not writer.is_closing():
        with contextlib.suppress(OSError, RuntimeError):
            writer.write(encode(message))


async def _answer(
    conn: McpServerConnection,
    message: dict[str, Any],
    writer: asyncio.StreamWriter,
    links: set[asyncio.StreamWriter],
) -> None:
    """Answer one request, then tell the other windows of the server how it is now."""
    rid = message.get("id")
    try:
        reply = {"id": rid, "ok": await _run(conn, message)}
    except ToolFailure as exc:
        reply = {"id": rid, "fail": str(exc)}
    except Exception as exc:  # a bug here must not end the broker: the window is told
        log.warning("mcp broker request failed: %r", exc)
        reply = {"id": rid, "fail": f"the MCP broker failed: {type(exc).__name__}: {exc}"}
    state = snapshot(conn)
    _send(writer, {**reply, "server": state})
    for other in list(links):
        if other is not writer:
            _send(other, {"server": state})


async def _run(conn: McpServerConnection, message: dict[str, Any]) -> Any:
    op = message.get("op")
    if op == "ensure":
        await conn.ensure_running()
        return None
    if op == "call":
        tool, args = message.get("tool"), message.get("args")
        if not isinstance(tool, str) or not isinstance(args, dict):
            raise ToolFailure("a call needs a tool name and arguments")
        text, is_error = await conn.call_for_model(tool, args)
        return {"text": text, "isError": is_error}
    if op == "list":
        cursor = message.get("cursor")
        items, next_cursor = await conn.list_page(
            str(message.get("method")), cursor if isinstance(cursor, str) else None
        )
        return {"items": items, "next": next_cursor}
    if op == "read":
        return await conn.read_resource(str(message.get("uri")))
    raise ToolFailure(f"the MCP broker does not know the request {op!r}")
