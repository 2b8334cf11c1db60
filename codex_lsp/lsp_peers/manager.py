"""The configured language servers as one `CodeIntel` backend."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from codex_lsp.config.intel import LspServerConfig
from codex_lsp.intel.backend import DocText, IntelUnavailable, QueryMethod
from codex_lsp.intel.diagnostics import Diagnostic
from codex_lsp.intel.uris import uri_path
from codex_lsp.lsp_peers.peer import PeerServer


class ConfiguredServers:
    """Routes each file to the first enabled server whose `files` globs match it."""

    name = "language servers"

    def __init__(
        self,
        servers: Mapping[str, LspServerConfig],
        root: Path,
        env: Mapping[str, str],
        relative: Callable[[Path], str],
    ) -> None:
        self._peers = [
            PeerServer(name, cfg, root, env) for name, cfg in servers.items() if cfg.enabled
        ]
        self._relative = relative
        self._starting: set[asyncio.Future[None]] = set()
        if len(self._peers) == 1:
            self.name = self._peers[0].name

    def __bool__(self) -> bool:
        return bool(self._peers)

    def start(self) -> None:
        """Start every server in the background, so the first edit need not wait."""
        for peer in self._peers:
            task = asyncio.ensure_future(_quietly(peer.ready()))
            self._starting.add(task)
            task.add_done_callback(self._starting.discard)

    @property
    def peers(self) -> list[PeerServer]:
        """The enabled servers, in configuration order."""
        return list(self._peers)

    def _peer_for(self, path: Path) -> PeerServer | None:
        rel = self._relative(path)
        return next((p for p in self._peers if p.config.handles(rel)), None)

    def covers(self, path: Path) -> bool:
        return self._peer_for(path) is not None

    async def diagnostics(
        self, files: Sequence[DocText], after_edit: bool, wait: float
    ) -> dict[Path, list[Diagnostic]]:
        """Sync each file's text, then collect what its server publishes for it."""
        synced: list[tuple[Path, PeerServer, str, int, int | None]] = []
        for doc in files:
            peer = self._peer_for(doc.path)
            if peer is None:
                continue
            mark = peer.mark()
            uri, version, changed = await peer.sync(doc.path, doc.text)
            synced.append((doc.path, peer, uri, version, mark if changed else None))
        found: dict[Path, list[Diagnostic]] = {}
        results = await asyncio.gather(
            *(peer.diagnostics(uri, ver, since, wait) for _, peer, uri, ver, since in synced)
        )
        missing = []
        for (path, peer, *_), raw in zip(synced, results, strict=True):
            if raw is None:
                missing.append(peer.name)
                continue
            found[path] = [Diagnostic.from_lsp(path, d) for d in raw]
        if missing and not found:
            raise IntelUnavailable(
                f"{', '.join(sorted(set(missing)))} published nothing within {wait:g} s"
            )
        return found

    async def query(
        self, method: QueryMethod, params: dict[str, Any], doc: DocText | None = None
    ) -> Any:
        """Forward to the file's server (workspace/symbol: every server, answers joined)."""
        if method == "workspace/symbol":
            answers: list[Any] = []
            for peer in self._peers:
                with contextlib.suppress(IntelUnavailable):
                    answers.extend(await peer.request(method, params) or [])
            return answers
        path = uri_path(params["textDocument"]["uri"])
        found = self._peer_for(path)
        if found is None:
            raise IntelUnavailable(f"no language server is configured for {self._relative(path)}")
        if doc is not None:
            await found.sync(doc.path, doc.text)
        return await found.request(method, params)

    def status(self) -> dict[str, str]:
        """Per server: running, restarting, or why it is not (for `codex.status`)."""
        return {
            p.name: p.error or ("running" if p.running else "not started") for p in self._peers
        }

    async def aclose(self) -> None:
        await asyncio.gather(*(p.aclose() for p in self._peers), return_exceptions=True)


async def _quietly(work: Any) -> None:
    with contextlib.suppress(Exception):
        await work
