"""One configured MCP server: its lifecycle, its calls, its restarts.

Design points:

* **One task per server.** The SDK's transports and `ClientSession` are anyio
  context managers whose cancel scopes must be entered and exited in the same
  task, so each server's `AsyncExitStack` lives in a dedicated task that owns it
  from connect to shutdown. Tool calls from turn tasks only send requests
  through the session's streams, which is safe from any task.
* **Failure is local.** A server that cannot start (missing command, early
  exit, start-up timeout, refused connection, bad token) is recorded with a
  one-line reason, logged, and shown in `status()`; `start()` never raises. A
  server that dies later is marked failed on the first call that notices.
* **A crash is not forever.** A server that was running and died keeps its
  tools on offer; the next call restarts it, with exponential backoff between
  attempts (`codex_lsp.mcp.restart`). A call during the backoff fails at once,
  saying when the next attempt may be made. A server that never started stays
  failed until the configuration changes (its command or URL is likely wrong).
* **Bounded shutdown.** Stopping cancels the task's own anyio scope, so the
  SDK's shielded stdio teardown (close stdin, SIGTERM, SIGKILL, each bounded)
  runs; `stop()` waits a bounded time and never hangs.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any, TypeVar

import anyio
import mcp.types as mt
from mcp import ClientSession
from mcp.shared.exceptions import MCPError

from codex_lsp.config.model import McpServerConfig
from codex_lsp.mcp.naming import qualified_tool_name
from codex_lsp.mcp.restart import Backoff
from codex_lsp.mcp.results import describe, dump, result_text
from codex_lsp.mcp.state import ServerState
from codex_lsp.mcp.tool import McpTool, RemoteTool, model_tools
from codex_lsp.mcp.transport import (
    RecordingTransport,
    StderrCollector,
    auth_hint,
    describe_error,
    list_all_tools,
    open_session,
)
from codex_lsp.tools.base import ToolFailure

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds a stopping server may take beyond the SDK's own bounded teardown.
STOP_TIMEOUT = 10.0
#: The resource listings a window may ask for (`list_page`).
RESOURCE_LISTINGS = ("list_resources", "list_resource_templates")


class McpServerConnection:
    """One configured server: its lifecycle task, session, tools and state."""

    def __init__(self, name: str, config: McpServerConfig, env: Mapping[str, str]) -> None:
        self.name = name
        self.config = config
        self._env = env
        self.state: ServerState = "starting" if config.enabled else "disabled"
        self.error: str | None = None
        self.remote_tools: list[mt.Tool] = []
        self.server_info: mt.Implementation | None = None
        self._session: ClientSession | None = None
        self._scope: anyio.CancelScope | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._stop_requested = False
        self._stderr: StderrCollector | None = None
        self._http: RecordingTransport | None = None
        self._early_failure: str | None = None
        self._closed = False
        """`stop()` was called: no more restarts."""
        self._ran = False
        """The server was running once (so a failure now is a crash, worth a restart)."""
        self._restart: asyncio.Task[None] | None = None
        self.backoff = Backoff()

    # -- lifecycle

    async def start(self) -> None:
        """Connect, initialize and list tools; returns when running or failed. Never raises.

        Returns by ``startup_timeout_sec`` at the latest: a server that is still
        starting then is marked failed and torn down in the background.
        """
        if self.state != "starting" or self._task is not None:
            return
        self._task = asyncio.create_task(self._main(), name=f"mcp-server:{self.name}")
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait(
                {ready, self._task},
                timeout=self.config.startup_timeout_sec,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            ready.cancel()
        if self.state == "starting":
            self._fail(f"{self._timeout_reason()}{self._detail_now()}")
            self._stop_requested = True
            if self._scope is not None:
                self._scope.cancel()

    def _timeout_reason(self) -> str:
        return f"did not start within {self.config.startup_timeout_sec:g}s"

    async def stop(self) -> None:
        """Shut the connection down (child process included), within a bounded time."""
        self._closed = True
        await self._retire()
        restart = self._restart
        if restart is not None and not restart.done():
            # It stops on its own now (closed, or its new connection cancelled).
            await asyncio.wait({restart}, timeout=STOP_TIMEOUT)
            await self._retire()
        if self.state in ("starting", "running"):
            self.state = "stopped"
        self._session = None

    async def _retire(self) -> None:
        """End the current connection task (its teardown included), within a bounded time."""
        self._stop_requested = True
        if self._scope is not None:
            self._scope.cancel()
        task = self._task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=STOP_TIMEOUT)
            if not task.done():
                log.warning("mcp server %r did not stop in time; cancelling its task", self.name)
                task.cancel()
                await asyncio.wait({task}, timeout=1.0)

    async def _main(self) -> None:
        """The task that owns the transport and session from connect to shutdown."""
        cfg = self.config
        try:
            with anyio.CancelScope() as scope:
                self._scope = scope
                scope.deadline = anyio.current_time() + cfg.startup_timeout_sec
                if self._stop_requested:
                    scope.cancel()
                try:
                    async with AsyncExitStack() as stack:
                        session = await self._connect(stack)
                        init = await session.initialize()
                        tools = await list_all_tools(session)
                        scope.deadline = math.inf
                        self._running(session, init, tools)
                        await anyio.sleep_forever()
                except Exception as exc:
                    await self._failed_with(exc)
            if self._early_failure is not None:
                self._fail(self._early_failure)
            elif scope.cancelled_caught and self.state == "starting" and not self._stop_requested:
                self._fail(f"{self._timeout_reason()}{await self._detail()}")
        except BaseException as exc:  # a native cancel or a bug: never leave start() waiting
            if self.state in ("starting", "running") and not self._stop_requested:
                self._fail(f"stopped unexpectedly: {exc!r}")
            if not isinstance(exc, Exception):
                raise
        finally:
            self._session = None
            if self._stderr is not None:
                self._stderr.close()
            if self.state in ("starting", "running"):
                if not self._stop_requested:
                    self._fail("the connection ended unexpectedly")
                else:
                    self.state = "stopped"
            self._ready.set()

    async def _connect(self, stack: AsyncExitStack) -> ClientSession:
        """Open the transport and session on ``stack``; errors are worded for the user."""
        if self.config.transport == "stdio":
            if StderrCollector.supported():
                self._stderr = StderrCollector(self.name)
        else:
            assert self.config.url is not None
            self._http = RecordingTransport(self.config.url)
            self._http.on_connect_error = self._connect_failed
        return await open_session(
            stack, self.config, self._env, self._server_log, stderr=self._stderr, http=self._http
        )

    async def _server_log(self, params: mt.LoggingMessageNotificationParams) -> None:
        """Server log notifications go to our log, not to the model."""
        log.info("mcp server %r (%s): %s", self.name, params.level, params.data)

    def _connect_failed(self, message: str) -> None:
        """An HTTP server cannot be reached during start-up: fail now, not at the timeout."""
        if self.state == "starting" and self._scope is not None:
            self._early_failure = message
            self._scope.cancel()

    def _running(
        self, session: ClientSession, init: mt.InitializeResult, tools: list[mt.Tool]
    ) -> None:
        self._session = session
        self.server_info = init.server_info
        self.remote_tools = [t for t in tools if self.config.tool_allowed(t.name)]
        self.state = "running"
        self.error = None
        self._ran = True
        self.backoff.running()
        log.info(
            "mcp server %r running (%s), tools: %s",
            self.name,
            self.config.transport,
            ", ".join(t.name for t in self.remote_tools) or "none",
        )
        self._ready.set()

    def _fail(self, reason: str) -> None:
        """Record a failure (first one wins) and log it."""
        if self.state == "failed":
            return
        phase = "failed" if self.state != "starting" else "failed to start"
        if self.state == "starting" and self._ran:
            phase = "failed to restart"
        self.state = "failed"
        self.error = f"mcp server {self.name!r} {phase}: {reason}"
        self._session = None
        self.backoff.failed()
        log.warning("%s", self.error)

    async def _failed_with(self, exc: Exception) -> None:
        if self._stop_requested or self.state not in ("starting", "running"):
            log.debug("mcp server %r: error during shutdown", self.name, exc_info=exc)
            return
        if self._early_failure is not None:
            return
        log.debug("mcp server %r: connection error", self.name, exc_info=exc)
        if self._http is not None and self._http.last_error:
            # The SDK reports HTTP failures generically; what the server said is clearer.
            self._fail(self._http.last_error + auth_hint(self._http.last_error, self.config))
            return
        self._fail(f"{describe_error(exc, self.config)}{await self._detail()}")

    async def _detail(self) -> str:
        """What the server said on the way down (stderr tail, or the last HTTP error)."""
        if self._stderr is not None:
            await self._stderr.settle()
        return self._detail_now()

    def _detail_now(self) -> str:
        """`_detail` without waiting for the last of a dying server's stderr."""
        if self._stderr is not None:
            tail = self._stderr.tail()
            return f" (stderr: {tail})" if tail else ""
        if self._http is not None and self._http.last_error:
            return f" ({self._http.last_error})"
        return ""

    # -- restarts

    @property
    def restartable(self) -> bool:
        """A server that ran and died is restarted on demand; one that never ran is not."""
        return self._ran and not self._closed and self.state in ("failed", "starting")

    async def ensure_running(self) -> None:
        """Return when the server can take calls, restarting a crashed one if its backoff is over.

        Raises `ToolFailure` saying why not; during a backoff, fast, saying when
        the next restart may be tried. The restart itself is shared by concurrent
        callers and survives the cancellation of the one that began it.
        """
        if not self._can_call() and self.restartable:
            if self._restart is None or self._restart.done():
                wait = self.backoff.remaining()
                if wait > 0:
                    raise ToolFailure(
                        f"{self.error}; it will be restarted by the first call after "
                        f"{wait:.1f}s (restart attempts so far: {self.backoff.restarts})"
                    )
                self._restart = asyncio.create_task(
                    self._restart_now(), name=f"mcp-restart:{self.name}"
                )
            await asyncio.shield(self._restart)
        self._check_running()

    async def _restart_now(self) -> None:
        """Tear the dead connection down and start a new one (bounded by the start-up timeout)."""
        attempt = self.backoff.attempt()
        log.warning("mcp server %r: restarting it (attempt %d)", self.name, attempt)
        await self._retire()
        if self._closed:
            return
        self.state = "starting"
        self._session, self._scope, self._task = None, None, None
        self._stderr, self._http, self._early_failure = None, None, None
        self._ready = asyncio.Event()
        self._stop_requested = False
        await self.start()

    def _can_call(self) -> bool:
        return self.state == "running" and self._session is not None

    def _check_running(self) -> None:
        """Raise `ToolFailure` with the reason if the server cannot take calls."""
        if not self._can_call():
            raise ToolFailure(self.error or f"mcp server {self.name!r} is {self.state}")

    # -- calls

    async def call_tool(self, tool: str, args: dict[str, Any]) -> mt.CallToolResult:
        """Call ``tool`` within ``tool_timeout_sec``; problems become `ToolFailure`."""
        timeout = self.config.tool_timeout_sec
        result: mt.CallToolResult = await self.request(
            f"mcp tool {tool!r} on server {self.name!r}",
            lambda session: session.call_tool(tool, args, read_timeout_seconds=timeout),
        )
        return result

    async def call_for_model(self, tool: str, args: dict[str, Any]) -> tuple[str, bool]:
        """`call_tool`, as the model reads it: the result's text, and whether it is an error."""
        result = await self.call_tool(tool, args)
        return result_text(result), bool(result.is_error)

    async def request(self, what: str, send: Callable[[ClientSession], Awaitable[T]]) -> T:
        """One request (`send`) within ``tool_timeout_sec``; problems become `ToolFailure`."""
        self._check_running()
        session = self._session
        assert session is not None
        timeout = self.config.tool_timeout_sec
        try:
            # The SDK enforces a call's timeout (and tells the server to cancel); the outer
            # bound is the timeout of the other requests and a guard for a lost one.
            with anyio.fail_after(timeout + 5.0):
                return await send(session)
        except MCPError as exc:
            if exc.code == mt.REQUEST_TIMEOUT:
                raise ToolFailure(
                    f"{what} timed out after {timeout:g}s{self._http_hint()}"
                ) from exc
            if exc.code == mt.CONNECTION_CLOSED:
                raise ToolFailure(await self._crashed()) from exc
            raise ToolFailure(f"{what} failed: error {exc.code}: {exc.message}") from exc
        except TimeoutError as exc:
            raise ToolFailure(f"{what} timed out after {timeout:g}s{self._http_hint()}") from exc
        except (anyio.ClosedResourceError, anyio.BrokenResourceError) as exc:
            raise ToolFailure(await self._crashed()) from exc
        except Exception as exc:  # a malformed result, an unsupported reply shape, ...
            log.debug("%s failed", what, exc_info=True)
            raise ToolFailure(f"{what} failed: {type(exc).__name__}: {exc}") from exc

    async def list_page(
        self, method: str, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of `list_resources` or `list_resource_templates`: items as JSON, next cursor."""
        if method not in RESOURCE_LISTINGS:
            raise ToolFailure(f"unknown MCP listing {method!r}")
        params = mt.PaginatedRequestParams(cursor=cursor) if cursor else None
        result = await self.request(
            f"{method} on MCP server {self.name!r}",
            lambda session: getattr(session, method)(params=params),
        )
        listed = getattr(result, method.removeprefix("list_"))
        next_cursor = getattr(result, "next_cursor", None)
        return [dump(item) for item in listed], next_cursor

    async def read_resource(self, uri: str) -> list[dict[str, Any]]:
        """The contents of one resource, as JSON."""
        result = await self.request(
            f"resources/read of {uri!r} on MCP server {self.name!r}",
            lambda session: session.read_resource(uri),
        )
        return [dump(c) for c in getattr(result, "contents", [])]

    def _http_hint(self) -> str:
        if self._http is not None and self._http.last_error:
            return f" (last HTTP error: {self._http.last_error})"
        return ""

    async def _crashed(self) -> str:
        """The connection is gone mid-session: record why, release the task, say why."""
        if self._stop_requested:
            return f"mcp server {self.name!r} is shutting down"
        if self.state == "running":
            reason = (
                "the server process exited"
                if self.config.transport == "stdio"
                else "the connection was closed"
            )
            self._fail(f"{reason}{await self._detail()}")
            if self._scope is not None:
                self._scope.cancel()
        return self.error or f"mcp server {self.name!r} is {self.state}"

    # -- reporting

    def tools(self, taken: set[str]) -> list[McpTool]:
        """Model-facing tools for the allowed remote tools, skipping names in ``taken``.

        A crashed server's tools stay on offer: calling one restarts the server.
        """
        return model_tools(self.name, self.offered(), self, taken)

    def offered(self) -> list[RemoteTool]:
        """The allowed remote tools, while they are on offer (running, or restarted on call)."""
        if self.state != "running" and not self.restartable:
            return []
        return [describe(t) for t in self.remote_tools]

    def status(self) -> dict[str, Any]:
        """State, transport, tool names on offer, error and restarts, JSON-safe.

        ``restarts`` counts restart attempts; ``retryInSec`` is, for a crashed
        server, the wait before a call may restart it (0: the next call will),
        and null for a server that is not restarted on demand.
        """
        offered = self.state == "running" or self.restartable
        restarting = self._restart is not None and not self._restart.done()
        return {
            "state": "restarting" if restarting else self.state,
            "transport": self.config.transport,
            "tools": [qualified_tool_name(self.name, t.name) for t in self.remote_tools]
            if offered
            else [],
            "error": self.error,
            "restarts": self.backoff.restarts,
            "retryInSec": round(self.backoff.remaining(), 1)
            if self.restartable and self.state == "failed"
            else None,
        }
