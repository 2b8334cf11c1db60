"""Start the configured MCP servers, offer their tools, report their health.

Each ``[mcp_servers.<id>]`` entry becomes one connection run by the official
``mcp`` SDK (stdio child process or streamable HTTP). Design points:

* **One task per server.** The SDK's transports and `ClientSession` are anyio
  context managers whose cancel scopes must be entered and exited in the same
  task, so each server's `AsyncExitStack` lives in a dedicated task that owns it
  from connect to shutdown. Tool calls from turn tasks only send requests
  through the session's streams, which is safe from any task.
* **Failure is local.** A server that cannot start (missing command, early
  exit, start-up timeout, refused connection, bad token) is recorded with a
  one-line reason, logged, and shown in `status()`; the others keep working and
  `start()` never raises. A server that dies later is marked failed on the
  first call that notices.
* **Bounded shutdown.** Stopping cancels the task's own anyio scope, so the
  SDK's shielded stdio teardown (close stdin, SIGTERM, SIGKILL, each bounded)
  runs; `aclose()` waits a bounded time and never hangs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack
from typing import Any, Literal, TextIO

import anyio
import httpx2
import mcp.types as mt
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from codex_lsp import redact
from codex_lsp.config.model import McpServerConfig
from codex_lsp.mcp.naming import qualified_tool_name, sanitize
from codex_lsp.mcp.tool import McpTool
from codex_lsp.tools.base import Tool, ToolFailure

log = logging.getLogger(__name__)

ServerState = Literal["starting", "running", "failed", "disabled", "stopped"]

#: Variables a stdio server inherits from our environment (Codex's list); the rest
#: of its environment is the entry's ``env``. Credentials are not passed by default.
DEFAULT_ENV_VARS: tuple[str, ...] = (
    "HOME",
    "LOGNAME",
    "PATH",
    "SHELL",
    "USER",
    "__CF_USER_TEXT_ENCODING",
    "LANG",
    "LC_ALL",
    "TERM",
    "TMPDIR",
    "TZ",
)
#: Seconds a stopping server may take beyond the SDK's own bounded teardown.
STOP_TIMEOUT = 10.0
#: Last stderr lines of a stdio server kept for error messages.
STDERR_TAIL_LINES = 20
_STDERR_LINE_CHARS = 500
#: Time to let a dead server's last stderr arrive before composing the error.
_STDERR_SETTLE = 0.5
#: HTTP timeouts as the SDK's defaults: long reads for held-open event streams.
_HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)


class _StartupError(Exception):
    """A problem found before or while connecting, already worded for the user."""


# ---- stderr of stdio servers ------------------------------------------------------


class _StderrCollector:
    """Reads a stdio server's stderr: each line is logged, the last few are kept.

    The child gets the write end of a pipe; we read the other end with the event
    loop's reader callbacks (no thread, so a grandchild holding the pipe open
    cannot block interpreter exit).
    """

    def __init__(self, server: str) -> None:
        self._server = server
        self._loop = asyncio.get_running_loop()
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        self._fd: int | None = read_fd
        self.writer: TextIO = os.fdopen(write_fd, "w", encoding="utf-8", errors="replace")
        self._partial = b""
        self._lines: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._eof = asyncio.Event()
        self._loop.add_reader(read_fd, self._on_readable)

    @staticmethod
    def supported() -> bool:
        """Pipes are selectable (and the loop can watch them) on POSIX only."""
        return sys.platform != "win32"

    def spawned(self) -> None:
        """Drop our copy of the write end so EOF arrives when the child exits."""
        if not self.writer.closed:
            self.writer.close()

    def _on_readable(self) -> None:
        if self._fd is None:
            return
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            if self._partial:
                self._line(self._partial)
                self._partial = b""
            self.close()
            return
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            self._line(line)
        if len(self._partial) > 65536:
            self._line(self._partial)
            self._partial = b""

    def _line(self, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").rstrip()
        if not line:
            return
        log.debug("mcp server %r (stderr): %s", self._server, line)
        self._lines.append(line[:_STDERR_LINE_CHARS])

    async def settle(self, wait: float = _STDERR_SETTLE) -> None:
        """Wait (briefly) for the rest of the output of a process that has exited."""
        with anyio.move_on_after(wait):
            await self._eof.wait()

    def tail(self, lines: int = 5) -> str:
        """The last few lines, joined for a one-line message."""
        return " | ".join(list(self._lines)[-lines:])

    def close(self) -> None:
        """Stop watching and release both pipe ends (idempotent)."""
        self.spawned()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            self._loop.remove_reader(fd)
            os.close(fd)
        self._eof.set()


# ---- HTTP error capture -----------------------------------------------------------


class _RecordingTransport(httpx2.AsyncBaseTransport):
    """Wraps the HTTP transport to remember the last failure in words.

    The SDK turns a refused connection into a logged error and an HTTP 401 into
    a generic "server returned an error response"; remembering what actually
    happened lets `status()` say "HTTP 401 Unauthorized" or "connection refused".
    """

    def __init__(self, url: str) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self._url = url
        self.last_error: str | None = None
        self.on_connect_error: Callable[[str], None] | None = None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            response = await self._inner.handle_async_request(request)
        except httpx2.TransportError as exc:
            self.last_error = f"cannot reach {self._url}: {exc or type(exc).__name__}"
            if self.on_connect_error is not None:
                self.on_connect_error(self.last_error)
            raise
        if response.status_code >= 400 and request.method != "DELETE":
            self.last_error = (
                f"HTTP {response.status_code} {response.reason_phrase} from {self._url}"
            )
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


# ---- one server ---------------------------------------------------------------------


def _leaf_errors(exc: BaseException) -> Iterator[BaseException]:
    """The non-group exceptions inside (possibly nested) exception groups."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaf_errors(inner)
    else:
        yield exc


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
        self._stderr: _StderrCollector | None = None
        self._http: _RecordingTransport | None = None
        self._early_failure: str | None = None

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
        if self.state in ("starting", "running"):
            self.state = "stopped"
        self._session = None

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
                        tools = await self._list_tools(session)
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
        cfg = self.config
        if cfg.transport == "stdio":
            assert cfg.command is not None
            if cfg.cwd is not None and not await anyio.Path(cfg.cwd).is_dir():
                raise _StartupError(f"working directory does not exist: {cfg.cwd}")
            env = {k: self._env[k] for k in DEFAULT_ENV_VARS if k in self._env}
            env.update(cfg.env)
            params = StdioServerParameters(
                command=cfg.command, args=list(cfg.args), env=env, cwd=cfg.cwd
            )
            errlog: TextIO = sys.stderr
            if _StderrCollector.supported():
                self._stderr = _StderrCollector(self.name)
                errlog = self._stderr.writer
            try:
                streams = await stack.enter_async_context(stdio_client(params, errlog=errlog))
            except FileNotFoundError as exc:
                raise _StartupError(f"command not found: {cfg.command}") from exc
            except PermissionError as exc:
                raise _StartupError(f"permission denied running {cfg.command}") from exc
            finally:
                if self._stderr is not None:
                    self._stderr.spawned()
        else:
            assert cfg.url is not None
            headers = dict(cfg.http_headers)
            redact.remember(redact.header_credentials(headers))
            if cfg.bearer_token_env_var:
                token = self._env.get(cfg.bearer_token_env_var, "")
                if not token:
                    raise _StartupError(
                        f"environment variable {cfg.bearer_token_env_var} "
                        "(bearer_token_env_var) is not set"
                    )
                redact.remember([token])
                headers["Authorization"] = f"Bearer {token}"
            self._http = _RecordingTransport(cfg.url)
            self._http.on_connect_error = self._connect_failed
            client = httpx2.AsyncClient(
                headers=headers, timeout=_HTTP_TIMEOUT, transport=self._http
            )
            await stack.enter_async_context(client)
            streams = await stack.enter_async_context(
                streamable_http_client(cfg.url, http_client=client)
            )
        read, write = streams
        return await stack.enter_async_context(
            ClientSession(read, write, logging_callback=self._server_log)
        )

    async def _server_log(self, params: mt.LoggingMessageNotificationParams) -> None:
        """Server log notifications go to our log, not to the model."""
        log.info("mcp server %r (%s): %s", self.name, params.level, params.data)

    def _connect_failed(self, message: str) -> None:
        """An HTTP server cannot be reached during start-up: fail now, not at the timeout."""
        if self.state == "starting" and self._scope is not None:
            self._early_failure = message
            self._scope.cancel()

    async def _list_tools(self, session: ClientSession) -> list[mt.Tool]:
        """Every tool of the server, following pagination."""
        tools: list[mt.Tool] = []
        cursor: str | None = None
        for _ in range(1000):  # a server that never stops paginating is a bug
            params = mt.PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await session.list_tools(params=params)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    def _running(
        self, session: ClientSession, init: mt.InitializeResult, tools: list[mt.Tool]
    ) -> None:
        self._session = session
        self.server_info = init.server_info
        self.remote_tools = [t for t in tools if self.config.tool_allowed(t.name)]
        self.state = "running"
        self.error = None
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
        phase = "failed to start" if self.state == "starting" else "failed"
        self.state = "failed"
        self.error = f"mcp server {self.name!r} {phase}: {reason}"
        self._session = None
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
            self._fail(self._http.last_error + _auth_hint(self._http.last_error, self.config))
            return
        self._fail(f"{self._describe(exc)}{await self._detail()}")

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

    def _describe(self, exc: BaseException) -> str:
        """One line for the user; the traceback goes to the debug log."""
        leaves = [
            e for e in _leaf_errors(exc) if not isinstance(e, anyio.get_cancelled_exc_class())
        ]
        err = leaves[0] if leaves else exc
        if isinstance(err, _StartupError):
            return str(err)
        if isinstance(err, MCPError):
            if err.code == mt.CONNECTION_CLOSED:
                if self.config.transport == "stdio":
                    return "the server process exited or closed its output"
                return "the connection was closed"
            return f"error {err.code} from the server: {err.message}"
        if isinstance(err, httpx2.HTTPError):
            return f"cannot reach {self.config.url}: {err or type(err).__name__}"
        if isinstance(err, OSError):
            return f"{err.strerror or err}"
        return f"{type(err).__name__}: {err}"

    # -- calls

    def ensure_running(self) -> None:
        """Raise `ToolFailure` with the reason if the server cannot take calls."""
        if self.state != "running" or self._session is None:
            reason = self.error or f"mcp server {self.name!r} is {self.state}"
            raise ToolFailure(reason)

    async def call_tool(self, tool: str, args: dict[str, Any]) -> mt.CallToolResult:
        """Call ``tool`` within ``tool_timeout_sec``; problems become `ToolFailure`."""
        self.ensure_running()
        session = self._session
        assert session is not None
        timeout = self.config.tool_timeout_sec
        what = f"mcp tool {tool!r} on server {self.name!r}"
        try:
            # The SDK enforces the timeout (and tells the server to cancel); the outer
            # bound is only a guard against a request that never resolves.
            with anyio.fail_after(timeout + 5.0):
                return await session.call_tool(tool, args, read_timeout_seconds=timeout)
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
        """Model-facing tools for the allowed remote tools, skipping names in ``taken``."""
        if self.state != "running":
            return []
        out: list[McpTool] = []
        for remote in self.remote_tools:
            qualified = qualified_tool_name(self.name, remote.name)
            if qualified in taken:
                log.warning(
                    "mcp tool %r of server %r skipped: its name %r is already taken",
                    remote.name,
                    self.name,
                    qualified,
                )
                continue
            taken.add(qualified)
            out.append(
                McpTool(
                    name=qualified,
                    description=remote.description
                    or remote.title
                    or f"Tool {remote.name!r} of MCP server {self.name!r}.",
                    parameters=_parameters(remote.input_schema),
                    server=self.name,
                    tool=remote.name,
                    read_only_hint=bool(remote.annotations and remote.annotations.read_only_hint),
                    caller=self,
                )
            )
        return out

    def status(self) -> dict[str, Any]:
        """State, transport, model-facing tool names and error, JSON-safe."""
        return {
            "state": self.state,
            "transport": self.config.transport,
            "tools": [qualified_tool_name(self.name, t.name) for t in self.remote_tools]
            if self.state == "running"
            else [],
            "error": self.error,
        }


def _auth_hint(error: str, config: McpServerConfig) -> str:
    """Where to look when an HTTP server refuses our credentials."""
    if not error.startswith(("HTTP 401", "HTTP 403")):
        return ""
    if config.bearer_token_env_var:
        return f"; check the token in ${config.bearer_token_env_var}"
    return "; the server wants credentials (bearer_token_env_var or http_headers)"


def _parameters(schema: dict[str, Any] | None) -> dict[str, Any]:
    """The tool's input schema as function parameters (an object schema, always)."""
    params = dict(schema or {})
    params.setdefault("type", "object")
    if params.get("type") == "object":
        params.setdefault("properties", {})
    return params


# ---- all servers --------------------------------------------------------------------


class McpManager:
    """The configured MCP servers of one codex-lsp process."""

    def __init__(self, servers: Mapping[str, McpServerConfig], env: Mapping[str, str]) -> None:
        self._servers: dict[str, McpServerConnection] = {}
        for name, config in servers.items():
            safe = sanitize(name)
            if safe != name:
                log.warning("mcp server id %r used as %r in tool names", name, safe)
            self._servers[name] = McpServerConnection(name, config, env)

    @property
    def servers(self) -> dict[str, McpServerConnection]:
        """Connections by server id (read-only use)."""
        return dict(self._servers)

    async def start(self) -> None:
        """Start every enabled server concurrently; failures are recorded, never raised."""
        pending = [c.start() for c in self._servers.values() if c.state == "starting"]
        if pending:
            await asyncio.gather(*pending)

    def tools(self) -> list[Tool]:
        """One tool per allowed tool of every running server, named ``<server>__<tool>``."""
        taken: set[str] = set()
        out: list[Tool] = []
        for name in sorted(self._servers):
            out.extend(self._servers[name].tools(taken))
        return out

    def status(self) -> dict[str, dict[str, Any]]:
        """Per server id: ``state``, ``transport``, ``tools``, ``error``."""
        return {name: conn.status() for name, conn in self._servers.items()}

    def errors(self) -> list[str]:
        """One message per failed server (for notices and ``codex-lsp check``)."""
        return [c.error for c in self._servers.values() if c.state == "failed" and c.error]

    async def aclose(self) -> None:
        """Stop every server (child processes included); bounded, never raises."""
        results = await asyncio.gather(
            *(c.stop() for c in self._servers.values()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                log.warning("stopping an mcp server failed: %r", result)

    async def __aenter__(self) -> McpManager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
