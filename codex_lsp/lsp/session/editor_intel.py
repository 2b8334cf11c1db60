"""The editor as a `CodeIntel` backend: `codex/intel` requests our plugins answer.

The editor already runs the user's language servers with the user's settings,
so when the client declares `experimental.codexIntel` its answers are used
instead of any configured server. Every request is bounded; an editor that
fails or is late makes the tool say so, never stalls the turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codex_lsp import wire
from codex_lsp.intel.backend import DocText, IntelUnavailable, QueryMethod
from codex_lsp.intel.diagnostics import Diagnostic
from codex_lsp.lsp.session.client import Client

QUERY_TIMEOUT_SEC = 10.0
"""Longest wait for one query through the editor (it waits on its own servers)."""


class EditorIntel:
    """Asks the editor's language servers through `codex/intel`."""

    name = "editor"

    def __init__(self, client: Client) -> None:
        self._client = client

    def covers(self, path: Path) -> bool:
        """The editor knows which servers a file has; it answers empty when none."""
        return True

    async def diagnostics(
        self, files: Sequence[DocText], after_edit: bool, wait: float
    ) -> dict[Path, list[Diagnostic]]:
        by_uri = {doc.path.as_uri(): doc.path for doc in files}
        if not by_uri:
            return {}
        params = {"uris": list(by_uri), "settleMs": int(wait * 1000) if after_edit else 0}
        answer = await self._ask(wire.INTEL_DIAGNOSTICS, params, wait + 2.0)
        found = answer.get("diagnostics") if isinstance(answer, dict) else None
        if not isinstance(found, dict):
            raise IntelUnavailable("the editor sent no diagnostics")
        return {
            path: [
                Diagnostic.from_lsp(path, d)
                for d in found.get(uri) or []
                if isinstance(d, dict) and d.get("source") != wire.FINDINGS_SOURCE
            ]
            for uri, path in by_uri.items()
        }

    async def query(
        self, method: QueryMethod, params: dict[str, Any], doc: DocText | None = None
    ) -> Any:
        return await self._ask(method, params, QUERY_TIMEOUT_SEC)

    async def _ask(self, method: str, params: dict[str, Any], timeout: float) -> Any:
        try:
            return await self._client.request(
                wire.INTEL, {"method": method, "params": params}, timeout=timeout
            )
        except Exception as exc:
            raise IntelUnavailable(f"the editor did not answer: {exc}") from exc
