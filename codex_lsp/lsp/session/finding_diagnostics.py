"""Review findings on the wire: `publishDiagnostics`, their code actions, their movement.

Holds the session's `FindingStore`; every method that changes it also publishes
the files it touched (open or not: clients list both in their Problems panel)
and saves the set next to the thread of the latest review, so resuming the
thread brings them back. Findings move with `didChange`. A file's diagnostics
are its findings plus its pending changes (`PendingChanges.diagnostics`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from pygls.workspace import TextDocument

from codex_lsp import wire
from codex_lsp.core.workspace import UnreadableFile
from codex_lsp.edits.lines import lsp_lines
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.documents import Documents
from codex_lsp.lsp.session.ranges import whole_lines
from codex_lsp.lsp.session.text_sync import lines_of
from codex_lsp.review.findings import Finding, severity
from codex_lsp.review.store import FindingStore, LineChange

PUBLISH = "textDocument/publishDiagnostics"


class ShownFinding(NamedTuple):
    """A finding and the diagnostic the client was sent for it."""

    finding: Finding
    diagnostic: dict[str, Any]


def finding_range(finding: Finding, lines: list[str]) -> dict[str, Any]:
    """The LSP range of a finding: its whole lines (0-based)."""
    return whole_lines(finding.start_line, finding.end_line, lines)


def diagnostic(finding: Finding, lines: list[str]) -> dict[str, Any]:
    """A finding as an LSP `Diagnostic` (source `codex`, code = its id).

    The one form of a finding the client sees: published, listed by its code
    actions, and passed to `codex.fixDiagnostic`.
    """
    message = f"[P{finding.priority}] {finding.title}"
    if finding.body:
        message += f"\n\n{finding.body}"
    return {
        "range": finding_range(finding, lines),
        "severity": severity(finding.priority),
        "code": finding.id,
        "source": wire.FINDINGS_SOURCE,
        "message": message,
        "data": {"findingId": finding.id, "confidence": finding.confidence},
    }


class Diagnostics:
    """The connection's findings and how the client hears of them."""

    def __init__(
        self,
        client: Client,
        documents: Documents,
        pending: Callable[[str], list[dict[str, Any]]],
        sessions: Callable[[], Path],
    ) -> None:
        self._store = FindingStore()
        self._client = client
        self._documents = documents
        self._pending = pending
        """The pending changes' diagnostics of a file, published with the findings."""
        self._sessions = sessions
        self.thread_id: str | None = None
        """Thread of the latest review: where the findings are saved."""

    # ---- publishing -------------------------------------------------------------

    def _lines(self, path: str) -> list[str]:
        doc = self._documents.open_document(Path(path))
        if doc is not None:
            return lines_of(doc)
        try:
            return lsp_lines(self._documents.text(Path(path)))
        except UnreadableFile:
            return []

    def publish(self, paths: Iterable[str]) -> None:
        """Send each file's current findings (an empty list clears the file)."""
        for path in sorted(set(paths)):
            findings = self._store.for_path(path)
            lines = self._lines(path) if findings else []
            params: dict[str, Any] = {
                "uri": self._documents.uri_for(Path(path)),
                "diagnostics": [diagnostic(f, lines) for f in findings] + self._pending(path),
            }
            doc = self._documents.open_document(Path(path))
            if doc is not None and doc.version is not None:
                params["version"] = doc.version  # the buffer these ranges were computed on
            self._client.notify(PUBLISH, params)

    def _changed(self, paths: Iterable[str]) -> None:
        """Publish and save after a change of the set."""
        touched = set(paths)
        if touched:
            self.publish(touched)
            self.save()

    # ---- changes ---------------------------------------------------------------------

    def replace_review(self, scope: str, findings: list[Finding], thread_id: str | None) -> None:
        """A review's findings replace the previous ones of its scope (saved with `thread_id`)."""
        self.thread_id = thread_id or self.thread_id
        self._changed(self._store.replace_scope(scope, findings))

    def dismiss(self, ids: list[str] | None = None, uri: str | None = None) -> int:
        """Remove findings by id, else those of `uri`, else all of them; how many went."""
        before = self.count()
        if ids:
            touched = self._store.remove(ids)
        elif uri:
            path = self._documents.workspace_path(uri)
            touched = self._store.clear(path) if path else set()
        else:
            touched = self._store.clear()
        self._changed(touched)
        return before - self.count()

    # ---- queries ---------------------------------------------------------------------

    def count(self) -> int:
        """How many findings the session holds."""
        return len(self._store.all())

    def overlapping(self, uri: str, start_line: int, end_line: int) -> list[ShownFinding]:
        """Findings meeting a range of `uri`, as the client was sent them (for code actions)."""
        path = self._documents.workspace_path(uri)
        if path is None:
            return []
        found = self._store.overlapping(path, start_line, end_line)
        lines = self._lines(path) if found else []
        return [ShownFinding(f, diagnostic(f, lines)) for f in found]

    def as_json(self, findings: Iterable[Finding]) -> list[dict[str, Any]]:
        """Findings for results and events, with their URI and LSP range."""
        out = []
        for f in findings:
            data = f.to_json()
            data["uri"] = self._documents.uri_for(Path(f.path))
            data["range"] = finding_range(f, self._lines(f.path))
            out.append(data)
        return out

    # ---- persistence -----------------------------------------------------------------

    def _file(self, thread_id: str) -> Path:
        return self._sessions() / f"{thread_id}.findings.json"

    def save(self) -> None:
        """Save the findings with the thread of the latest review."""
        if self.thread_id is not None:
            self._store.save(self._file(self.thread_id))

    def resume(self, thread_id: str) -> None:
        """A thread was resumed: bring back the findings saved with it."""
        touched = self._store.load(self._file(thread_id))
        if touched:
            self.thread_id = thread_id
            self.publish(touched)

    # ---- didChange (a `ChangeListener`) -------------------------------------------

    def before_change(self, uri: str, doc: TextDocument, changes: Any) -> Any:
        """Keep the old lines only when a whole-document change will need mapping."""
        path = self._documents.workspace_path(uri) if self._store.all() else None
        if path is None or not self._store.for_path(path):
            return None
        if any(getattr(c, "range", None) is None for c in changes):
            return path, list(lines_of(doc))
        return path, None

    def after_change(self, uri: str, doc: TextDocument, changes: Any, before: Any) -> None:
        """Move the findings of the changed file; republish when they moved."""
        if before is None:
            return
        path, old = before
        if old is not None:
            moved = self._store.track_rewrite(path, old, list(lines_of(doc)))
        else:
            moved = self._store.track(
                path,
                [
                    LineChange(
                        c.range.start.line,
                        c.range.start.character,
                        c.range.end.line,
                        c.range.end.character,
                        c.text,
                    )
                    for c in changes
                ],
            )
        if moved:
            self._changed([path])
