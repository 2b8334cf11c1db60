"""A window's MCP server that runs in the daemon's broker, shared with identical windows.

`BrokeredServer` has the interface of `McpServerConnection` (what the manager
and the tools use, `manager.McpServer`) and forwards it over one Unix-socket connection to the
broker (`codex_lsp.mcp.hub`): attaching starts (or finds) the server, closing
the connection detaches, calls are requests (a cancelled turn cancels its call
in the broker). Every answer carries the server's state (and the broker tells
every window of a server after any window's request), so `status()` stays
synchronous and per window. Nothing here needs the MCP SDK (≈ 50 MB of
pydantic models), so a window served by the broker never loads it. When there
is no broker, or the connection is lost, the window starts its own
`McpServerConnection` (as without the daemon) and says so once in the log; a
call under way when the broker went fails with a message, the next one runs on
the private server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from codex_lsp.config.model import McpServerConfig
from codex_lsp.mcp.sharing import (
    MAX_MESSAGE_BYTES,
    config_json,
    decode,
    encode,
    inherited_env,
    placed,
)
from codex_lsp.mcp.state import ServerState
from codex_lsp.mcp.tool import McpTool, RemoteTool, model_tools
from codex_lsp.tools.base import ToolFailure

if TYPE_CHECKING:
    from codex_lsp.mcp.connection import McpServerConnection

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
"""Longest wait for the broker to accept a window (it answers at once when alive)."""
BIND_WAIT_S = 3.0
"""Longest wait for the socket of a broker that is starting (a refused connection: none)."""
_said_private: list[bool] = []


class BrokerLost(Exception):
    """The broker cannot be reached or its connection ended."""


class BrokeredServer:
    """One configured stdio server of this window, run by the broker (or privately)."""

    def __init__(
        self, name: str, config: McpServerConfig, env: Mapping[str, str], broker: str
    ) -> None:
        self.name = name
        self.config = config
        self._env = env
        self._broker = broker
        self._private: McpServerConnection | None = None
        self._going_private: asyncio.Future[None] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._stopped = False
        self._snapshot: dict[str, Any] = {
            "state": "starting", "transport": config.transport, "tools": [], "error": None,
            "restarts": 0, "retryInSec": None,
        }
        self._retry_at: float | None = None
        self.remote_tools: list[RemoteTool] = []

    # -- state

    @property
    def state(self) -> ServerState:
        if self._private is not None:
            return self._private.state
        state: ServerState = self._snapshot["state"]
        return state

    @property
    def error(self) -> str | None:
        if self._private is not None:
            return self._private.error
        error: str | None = self._snapshot["error"]
        return error

    def status(self) -> dict[str, Any]:
        """As `McpServerConnection.status`, from the broker's last word."""
        if self._private is not None:
            return self._private.status()
        status = dict(self._snapshot)
        if self._retry_at is not None:
            status["retryInSec"] = round(max(0.0, self._retry_at - time.time()), 1)
        return status

    def tools(self, taken: set[str]) -> list[McpTool]:
        """Model-facing tools; they call through this object (so they survive a fallback)."""
        if self._private is not None:
            return model_tools(self.name, self._private.offered(), self, taken)
        return model_tools(self.name, self.remote_tools, self, taken)  # [] when not on offer

    # -- lifecycle

    async def start(self) -> None:
        """Attach to the broker's server (started there if no window runs it). Never raises."""
        if self._writer is not None or self._private is not None or self._stopped:
            return
        try:
            await self._attach()
        except (BrokerLost, ToolFailure) as exc:  # a broker that refuses the entry too
            await self._fall_back(str(exc))

    async def _attach(self) -> None:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                reader, writer = await self._connect()
        except (OSError, TimeoutError) as exc:
            raise BrokerLost(f"cannot reach the MCP broker: {exc}") from exc
        self._writer = writer
        self._reader_task = asyncio.create_task(
            self._read_answers(reader), name=f"mcp-broker:{self.name}"
        )
        config = placed(self.config, os.getcwd())
        await self._ask({
            "op": "attach", "name": self.name, "config": config_json(config),
            "env": inherited_env(self._env),
        }, self.config.startup_timeout_sec + CONNECT_TIMEOUT_S)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Connect, waiting a little for a broker the zygote has just forked to listen."""
        for _ in range(int(BIND_WAIT_S / 0.05)):
            try:
                return await asyncio.open_unix_connection(self._broker, limit=MAX_MESSAGE_BYTES)
            except FileNotFoundError:
                await asyncio.sleep(0.05)
        return await asyncio.open_unix_connection(self._broker, limit=MAX_MESSAGE_BYTES)

    async def stop(self) -> None:
        """Detach from the broker (the server stays warm for other windows), or stop ours."""
        self._stopped = True
        if self._private is not None:
            await self._private.stop()
            return
        self._close_link()
        if self._snapshot["state"] in ("starting", "running"):
            self._snapshot["state"] = "stopped"

    # -- calls

    async def ensure_running(self) -> None:
        """Ready for calls (the broker restarts a crashed server); `ToolFailure` says why not."""
        await self._safe({"op": "ensure"}, lambda private: private.ensure_running())

    async def call_for_model(self, tool: str, args: dict[str, Any]) -> tuple[str, bool]:
        """Call `tool` on the shared server (cancelling this cancels the call there).

        Never repeated on a private server when the broker goes mid-call: it may have run.
        """
        private = await self._private_if_lost()
        if private is not None:
            return await private.call_for_model(tool, args)
        try:
            result = await self._ask({"op": "call", "tool": tool, "args": args}, None)
        except BrokerLost as exc:
            raise ToolFailure(
                f"mcp server {self.name!r}: {exc} during the call; the next call runs the "
                "server in this window"
            ) from exc
        return str(result["text"]), result.get("isError") is True

    async def list_page(
        self, method: str, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        page = await self._safe(
            {"op": "list", "method": method, "cursor": cursor},
            lambda private: private.list_page(method, cursor),
        )
        if isinstance(page, tuple):
            return page
        return list(page["items"]), page.get("next")

    async def read_resource(self, uri: str) -> list[dict[str, Any]]:
        contents: list[dict[str, Any]] = await self._safe(
            {"op": "read", "uri": uri}, lambda private: private.read_resource(uri)
        )
        return contents

    async def _safe(
        self, message: dict[str, Any], here: Callable[[McpServerConnection], Awaitable[Any]]
    ) -> Any:
        """A request that changes nothing: on the broker, or here once the broker is gone."""
        if self._private is None and self._writer is not None:
            try:
                return await self._ask(message, None)
            except BrokerLost:
                self._close_link()
        private = await self._private_if_lost()
        if private is None:
            raise ToolFailure(f"mcp server {self.name!r} is stopped")
        return await here(private)

    async def _ask(self, message: dict[str, Any], timeout: float | None) -> Any:
        writer = self._writer
        if writer is None:
            raise BrokerLost("the MCP broker connection is closed")
        rid = next(self._ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = answer
        try:
            writer.write(encode({**message, "id": rid}))
            async with asyncio.timeout(timeout):
                reply = await answer
        except asyncio.CancelledError:
            self._send_quietly({"op": "cancel", "id": rid})
            raise
        except TimeoutError as exc:
            raise BrokerLost("the MCP broker did not answer in time") from exc
        except (OSError, RuntimeError) as exc:
            raise BrokerLost(f"the MCP broker connection failed: {exc}") from exc
        finally:
            self._pending.pop(rid, None)
        self._take_snapshot(reply.get("server"))
        if "fail" in reply:
            raise ToolFailure(str(reply["fail"]))
        return reply.get("ok")

    def _send_quietly(self, message: dict[str, Any]) -> None:
        if self._writer is not None and not self._writer.is_closing():
            with contextlib.suppress(OSError, RuntimeError):
                self._writer.write(encode(message))

    def _take_snapshot(self, server: object) -> None:
        if not isinstance(server, dict) or not isinstance(server.get("status"), dict):
            return
        self._snapshot = server["status"]
        retry = server.get("retryAt")
        self._retry_at = float(retry) if isinstance(retry, int | float) else None
        tools = server.get("tools") or []
        self.remote_tools = [RemoteTool.from_json(t) for t in tools if isinstance(t, dict)]

    async def _read_answers(self, reader: asyncio.StreamReader) -> None:
        """Hand each answer to its request; at the end of the link, fail what waits."""
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                reply = decode(line)
                if reply is None:
                    continue
                if "id" not in reply:  # news: another window's request changed the server
                    self._take_snapshot(reply.get("server"))
                    continue
                waiting = self._pending.get(reply["id"])
                if waiting is not None and not waiting.done():
                    waiting.set_result(reply)
        except (OSError, ValueError, asyncio.LimitOverrunError) as exc:
            log.debug("mcp broker link of %r: %r", self.name, exc)
        finally:
            for waiting in self._pending.values():
                if not waiting.done():
                    waiting.set_exception(BrokerLost("the MCP broker went away"))
            self._close_link(reading=False)

    def _close_link(self, *, reading: bool = True) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        task = self._reader_task
        if reading and task is not None and not task.done():
            task.cancel()

    # -- without the broker

    async def _private_if_lost(self) -> McpServerConnection | None:
        """The window's own server once the broker is gone (started here on first need)."""
        if self._private is None and self._writer is None and not self._stopped:
            await self._fall_back("the MCP broker went away")
        return self._private

    async def _fall_back(self, why: str) -> None:
        """Run the server in this window from now on (concurrent callers share the start)."""
        if self._going_private is None:
            self._going_private = asyncio.ensure_future(self._start_private(why))
        await asyncio.shield(self._going_private)

    async def _start_private(self, why: str) -> None:
        self._close_link()
        if not _said_private:
            _said_private.append(True)
            log.info("%s; this window runs its MCP servers itself", why)
        from codex_lsp.mcp.connection import McpServerConnection  # the SDK, only now

        private = McpServerConnection(self.name, self.config, self._env)
        self._private = private
        await private.start()
