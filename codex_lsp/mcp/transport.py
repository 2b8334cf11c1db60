"""How codex-lsp talks to one MCP server: opening a session, stderr, HTTP errors, error words.

The pieces of a connection that do not depend on its lifecycle
(`codex_lsp.mcp.connection`): opening the SDK's stdio or streamable HTTP
transport and session (with the variables a stdio server inherits and the
bearer token of an HTTP one), a reader that logs a stdio server's stderr and
keeps its last lines, an HTTP transport that remembers the last failure in
words, and the one-line wording of a connection error for the user.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack
from typing import TextIO

import anyio
import httpx2
import mcp.types as mt
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.session import LoggingFnT
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from codex_lsp import redact
from codex_lsp.config.model import McpServerConfig
from codex_lsp.mcp.sharing import SHARED_ENV_VARS
from codex_lsp.net import NetworkSetupError, mcp_transport, tls_hint

log = logging.getLogger(__name__)

#: Variables a stdio server inherits from our environment (Codex's list); the rest
#: of its environment is the entry's ``env``. Credentials are not passed by default.
DEFAULT_ENV_VARS: tuple[str, ...] = SHARED_ENV_VARS
#: Last stderr lines of a stdio server kept for error messages.
STDERR_TAIL_LINES = 20
_STDERR_LINE_CHARS = 500
#: Time to let a dead server's last stderr arrive before composing the error.
_STDERR_SETTLE = 0.5
#: HTTP timeouts as the SDK's defaults: long reads for held-open event streams.
HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)


class StartupError(Exception):
    """A problem found before or while connecting, already worded for the user."""


# ---- stderr of stdio servers ------------------------------------------------------


class StderrCollector:
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


class RecordingTransport(httpx2.AsyncBaseTransport):
    """Wraps the HTTP transport to remember the last failure in words.

    The SDK turns a refused connection into a logged error and an HTTP 401 into
    a generic "server returned an error response"; remembering what actually
    happened lets `status()` say "HTTP 401 Unauthorized" or "connection refused".
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self.last_error: str | None = None
        self.on_connect_error: Callable[[str], None] | None = None
        self._setup_error: str | None = None
        try:
            self._inner = mcp_transport(url)  # proxy and CA from the environment
        except NetworkSetupError as exc:  # said when a request is tried, as a startup error
            self._setup_error = str(exc)
            self._inner = httpx2.AsyncHTTPTransport(trust_env=False)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self._setup_error is not None:
            self.last_error = self._setup_error
            raise httpx2.ConnectError(self._setup_error, request=request)
        try:
            response = await self._inner.handle_async_request(request)
        except httpx2.TransportError as exc:
            reason = f"{exc or type(exc).__name__}{tls_hint(exc)}"
            self.last_error = f"cannot reach {self._url}: {reason}"
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


# ---- opening a session ----------------------------------------------------------------


async def open_session(
    stack: AsyncExitStack,
    cfg: McpServerConfig,
    env: Mapping[str, str],
    on_log: LoggingFnT,
    *,
    stderr: StderrCollector | None,
    http: RecordingTransport | None,
) -> ClientSession:
    """Open the transport and session on ``stack``; errors are worded for the user.

    ``stderr`` collects a stdio server's stderr, ``http`` is the transport an
    HTTP server is reached through; both belong to the caller so it can still
    read them when opening fails.
    """
    if cfg.transport == "stdio":
        assert cfg.command is not None
        if cfg.cwd is not None and not await anyio.Path(cfg.cwd).is_dir():
            raise StartupError(f"working directory does not exist: {cfg.cwd}")
        child_env = {k: env[k] for k in DEFAULT_ENV_VARS if k in env}
        child_env.update(cfg.env)
        params = StdioServerParameters(
            command=cfg.command, args=list(cfg.args), env=child_env, cwd=cfg.cwd
        )
        errlog: TextIO = stderr.writer if stderr is not None else sys.stderr
        try:
            streams = await stack.enter_async_context(stdio_client(params, errlog=errlog))
        except FileNotFoundError as exc:
            raise StartupError(f"command not found: {cfg.command}") from exc
        except PermissionError as exc:
            raise StartupError(f"permission denied running {cfg.command}") from exc
        finally:
            if stderr is not None:
                stderr.spawned()
    else:
        assert cfg.url is not None and http is not None
        headers = dict(cfg.http_headers)
        redact.remember(redact.header_credentials(headers))
        if cfg.bearer_token_env_var:
            token = env.get(cfg.bearer_token_env_var, "")
            if not token:
                raise StartupError(
                    f"environment variable {cfg.bearer_token_env_var} "
                    "(bearer_token_env_var) is not set"
                )
            redact.remember([token])
            headers["Authorization"] = f"Bearer {token}"
        client = httpx2.AsyncClient(headers=headers, timeout=HTTP_TIMEOUT, transport=http)
        await stack.enter_async_context(client)
        streams = await stack.enter_async_context(
            streamable_http_client(cfg.url, http_client=client)
        )
    read, write = streams
    return await stack.enter_async_context(ClientSession(read, write, logging_callback=on_log))


async def list_all_tools(session: ClientSession) -> list[mt.Tool]:
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


# ---- error words ---------------------------------------------------------------------


def leaf_errors(exc: BaseException) -> Iterator[BaseException]:
    """The non-group exceptions inside (possibly nested) exception groups."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from leaf_errors(inner)
    else:
        yield exc


def describe_error(exc: BaseException, config: McpServerConfig) -> str:
    """One line for the user; the traceback goes to the debug log."""
    leaves = [e for e in leaf_errors(exc) if not isinstance(e, anyio.get_cancelled_exc_class())]
    err = leaves[0] if leaves else exc
    if isinstance(err, StartupError):
        return str(err)
    if isinstance(err, MCPError):
        if err.code == mt.CONNECTION_CLOSED:
            if config.transport == "stdio":
                return "the server process exited or closed its output"
            return "the connection was closed"
        return f"error {err.code} from the server: {err.message}"
    if isinstance(err, httpx2.HTTPError):
        return f"cannot reach {config.url}: {err or type(err).__name__}"
    if isinstance(err, OSError):
        return f"{err.strerror or err}"
    return f"{type(err).__name__}: {err}"


def auth_hint(error: str, config: McpServerConfig) -> str:
    """Where to look when an HTTP server refuses our credentials."""
    if not error.startswith(("HTTP 401", "HTTP 403")):
        return ""
    if config.bearer_token_env_var:
        return f"; check the token in ${config.bearer_token_env_var}"
    return "; the server wants credentials (bearer_token_env_var or http_headers)"
