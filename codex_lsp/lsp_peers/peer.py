"""One language server process, spoken to with pygls's JSON-RPC client.

Messages stay plain JSON (dict converter): the engine forwards answers as they
came. Documents are synced whole (full text, `didOpen` then `didChange`);
`publishDiagnostics` is kept per document with the version it is for, and
waiters wake when a publish arrives. A server that exits is restarted on next
use (at most `MAX_RESTARTS` times); after that, and on any start failure, it
reports why instead of answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cattrs import Converter
from lsprotocol import converters
from pygls.client import JsonRPCClient
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCProtocol,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
)

from codex_lsp.config.intel import LspServerConfig
from codex_lsp.intel.backend import IntelUnavailable
from codex_lsp.lsp_peers.capabilities import CLIENT_CAPABILITIES, language_id

log = logging.getLogger(__name__)

MAX_RESTARTS = 3
STDERR_TAIL = 2000


def _dict_converter() -> Converter:
    """Keep every message's params and result as plain JSON."""
    conv = converters.get_converter()
    for cls in (JsonRPCRequestMessage, JsonRPCResponseMessage, JsonRPCNotification):
        conv.register_structure_hook(cls, lambda obj, c: c(**obj))
    return conv


class PeerServer:
    """A started (or startable) language server for one workspace root."""

    def __init__(
        self, name: str, config: LspServerConfig, root: Path, env: Mapping[str, str]
    ) -> None:
        self.name = name
        self.config = config
        self.root = root
        self._env = {**env, **config.env}
        self._client: JsonRPCClient | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._start: asyncio.Future[None] | None = None
        self._docs: dict[str, tuple[int, str]] = {}
        """uri -> (version, text) as the server has it."""
        self._published: dict[str, tuple[int | None, int, list[dict[str, Any]]]] = {}
        """uri -> (version it was published for, publish count, diagnostics)."""
        self._publish_count = 0
        self._published_event = asyncio.Event()
        self._stderr = b""
        self._stderr_reader: asyncio.Future[None] | None = None
        self.restarts = 0
        self.error: str | None = None

    # ---- life cycle --------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The server's process id while one was started (for status and tests)."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def ready(self) -> None:
        """Start (or restart after a crash) once; `IntelUnavailable` with the reason."""
        if self._start is not None and self._start.done() and not self.running:
            if self.restarts >= MAX_RESTARTS:
                raise IntelUnavailable(self.error or f"{self.name} keeps exiting")
            self.restarts += 1
            log.warning("language server %s exited; restarting", self.name)
            self._start = None
        if self._start is None:
            self._start = asyncio.ensure_future(self._launch())
        try:
            await asyncio.shield(self._start)
        except IntelUnavailable:
            raise
        except Exception as exc:
            raise IntelUnavailable(f"{self.name} did not start: {exc}") from exc

    async def _launch(self) -> None:
        self._docs.clear()
        self._published.clear()
        client = JsonRPCClient(protocol_cls=JsonRPCProtocol, converter_factory=_dict_converter)
        self._register(client)
        try:
            await client.start_io(*self.config.command, cwd=str(self.root), env=self._env)
        except OSError as exc:
            self.error = f"cannot run {self.config.command[0]!r}: {exc.strerror or exc}"
            self.restarts = MAX_RESTARTS  # a missing program will not appear by retrying
            raise IntelUnavailable(self.error) from exc
        self._client, self._process = client, client._server
        self._stderr_reader = asyncio.ensure_future(self._read_stderr())
        params = {
            "processId": os.getpid(),
            "rootUri": self.root.as_uri(),
            "workspaceFolders": [{"uri": self.root.as_uri(), "name": self.root.name}],
            "capabilities": CLIENT_CAPABILITIES,
            "clientInfo": {"name": "codex-lsp"},
        }
        try:
            await asyncio.wait_for(
                asyncio.shield(client.protocol.send_request_async("initialize", params)),
                self.config.startup_timeout_sec,
            )
        except Exception as exc:
            self.error = f"{self.name} did not initialize: {exc or type(exc).__name__}"
            await self._kill()
            raise IntelUnavailable(self._with_stderr(self.error)) from exc
        client.protocol.notify("initialized", {})
        self.error = None

    def _register(self, client: JsonRPCClient) -> None:
        @client.feature("textDocument/publishDiagnostics")  # type: ignore[untyped-decorator]
        def publish(params: dict[str, Any]) -> None:
            self._publish_count += 1
            uri = str(params.get("uri", ""))
            version = params.get("version")
            self._published[uri] = (version, self._publish_count, list(params["diagnostics"]))
            self._published_event.set()

        @client.feature("workspace/configuration")  # type: ignore[untyped-decorator]
        def configuration(params: dict[str, Any]) -> list[None]:
            return [None for _ in params.get("items", [])]

        for method in (
            "client/registerCapability",
            "client/unregisterCapability",
            "window/workDoneProgress/create",
            "workspace/diagnostic/refresh",
        ):
            client.feature(method)(lambda _params: None)

        for method in ("window/logMessage", "window/showMessage", "$/progress", "telemetry/event"):
            client.feature(method)(lambda _params: None)

    async def _read_stderr(self) -> None:
        """Drain stderr (a full pipe would stall the server); keep its tail for errors."""
        process = self._process
        if process is None or process.stderr is None:
            return
        with contextlib.suppress(Exception):
            while chunk := await process.stderr.read(4096):
                self._stderr = (self._stderr + chunk)[-STDERR_TAIL:]

    def _with_stderr(self, message: str) -> str:
        tail = self._stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        return message + (f" (stderr: {' | '.join(tail)})" if tail else "")

    async def aclose(self) -> None:
        """Ask the server to shut down, then make sure the process is gone.

        A start still under way is waited for first (it is bounded by
        `startup_timeout_sec`), so no process it spawns outlives us.
        """
        if self._start is not None and not self._start.done():
            with contextlib.suppress(Exception):
                await self._start
        client, process = self._client, self._process
        if client is None or process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.protocol.send_request_async("shutdown"), 2.0)
                client.protocol.notify("exit")
                await asyncio.wait_for(process.wait(), 2.0)
        await self._kill()

    async def _kill(self) -> None:
        client, process = self._client, self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(process.wait(), 5.0)
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.stop(), 5.0)  # type: ignore[no-untyped-call]

    # ---- documents and requests ---------------------------------------------

    async def sync(self, path: Path, text: str) -> tuple[str, int, bool]:
        """Give the server `text` for `path`: (uri, version, whether it changed)."""
        await self.ready()
        assert self._client is not None
        uri = path.as_uri()
        held = self._docs.get(uri)
        if held is not None and held[1] == text:
            return uri, held[0], False
        if held is None:
            version = 1
            self._client.protocol.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": uri,
                        "languageId": self.config.language_id or language_id(path),
                        "version": version,
                        "text": text,
                    }
                },
            )
        else:
            version = held[0] + 1
            self._client.protocol.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": text}],
                },
            )
        self._docs[uri] = (version, text)
        return uri, version, True

    def mark(self) -> int:
        """The publish count now: publishes after it are for later texts."""
        return self._publish_count

    async def diagnostics(
        self, uri: str, version: int, since: int | None, wait: float
    ) -> list[dict[str, Any]] | None:
        """The diagnostics for `version` of `uri`, waiting up to `wait` s (None: none came).

        A publish with that version counts; a publish without a version counts
        when it came after `since` (servers that do not send versions).
        With `since=None` whatever is held now is enough.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            held = self._published.get(uri)
            if held is not None:
                published, count, found = held
                if published == version or (
                    published is None and (since is None or count > since)
                ):
                    return found
            if since is None and held is not None:
                return held[2]
            left = deadline - loop.time()
            if left <= 0 or not self.running:
                return None
            self._published_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._published_event.wait(), left)

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        """One request with the configured timeout; `IntelUnavailable` on failure."""
        await self.ready()
        client = self._client
        assert client is not None
        msg_id = f"codex-lsp-{uuid.uuid4().hex}"
        answer = client.protocol.send_request_async(method, params, msg_id=msg_id)
        try:
            # Shielded: a late answer then lands in a live future (pygls logs an error when
            # it finds a cancelled one); the server is told we stopped waiting.
            return await asyncio.wait_for(asyncio.shield(answer), self.config.request_timeout_sec)
        except TimeoutError as exc:
            client.protocol.notify("$/cancelRequest", {"id": msg_id})
            raise IntelUnavailable(
                f"{self.name} did not answer {method} within {self.config.request_timeout_sec:g} s"
            ) from exc
        except Exception as exc:
            raise IntelUnavailable(f"{self.name} failed {method}: {exc}") from exc
