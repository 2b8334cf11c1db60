"""Review findings on the wire: `publishDiagnostics`, their code actions, their movement.

Holds the session's `FindingStore`, publishes a file's findings whenever they
change (open or not: clients list both in their Problems panel), moves them with
`didChange`, and saves them next to the thread of the latest review so that
resuming the thread brings them back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pygls.workspace import TextDocument

from codex_lsp import wire
from codex_lsp.core.workspace import OutsideWorkspace, UnreadableFile
from codex_lsp.edits.lines import lsp_lines
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.documents import Documents, NotAFile, path_of
from codex_lsp.lsp.session.text_sync import lines_of
from codex_lsp.review.findings import Finding, severity
from codex_lsp.review.store import FindingStore, LineChange

PUBLISH = "textDocument/publishDiagnostics"


def _content_length(line: str) -> int:
    """UTF-16 length of a line without its line break."""
    text = line.rstrip("\r\n")
    return len(text.encode("utf-16-le")) // 2


def finding_range(finding: Finding, lines: list[str]) -> dict[str, Any]:
    """The LSP range of a finding: its whole lines (0-based)."""
    last = lines[finding.end_line] if finding.end_line < len(lines) else ""
    return {
        "start": {"line": finding.start_line, "character": 0},
        "end": {"line": finding.end_line, "character": _content_length(last)},
    }


def diagnostic(finding: Finding, lines: list[str]) -> dict[str, Any]:
    """A finding as an LSP `Diagnostic` (source `codex`, code = its id)."""
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


class Findings:
    """The connection's findings and how the client hears of them."""

    def __init__(self, client: Client, documents: Documents, sessions: Callable[[], Path]) -> None:
        self.store = FindingStore()
        self._client = client
        self._documents = documents
        self._sessions = sessions
        self.thread_id: str | None = None
        """Thread of the latest review: where the findings are saved."""
        self.also: Callable[[str], list[dict[str, Any]]] = lambda path: []
        """Other diagnostics of ours for a file (pending changes), published with these."""

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
            findings = self.store.for_path(path)
            lines = self._lines(path) if findings else []
            params: dict[str, Any] = {
                "uri": self._documents.uri_for(Path(path)),
                "diagnostics": [diagnostic(f, lines) for f in findings] + self.also(path),
            }
            doc = self._documents.open_document(Path(path))
            if doc is not None and doc.version is not None:
                params["version"] = doc.version  # the buffer these ranges were computed on
            self._client.notify(PUBLISH, params)

    def changed(self, paths: Iterable[str]) -> None:
        """Publish and save after a change of the set."""
        touched = set(paths)
        if touched:
            self.publish(touched)
            self.save()

    # ---- queries ---------------------------------------------------------------------

    def path_of_uri(self, uri: str) -> str | None:
        """The absolute path findings are filed under for `uri` (None: not a workspace file)."""
        try:
            return str(self._documents.workspace.resolve(str(path_of(uri))))
        except (NotAFile, OutsideWorkspace):
            return None

    def overlapping(self, uri: str, start_line: int, end_line: int) -> list[Finding]:
        """Findings meeting a range of `uri` (for code actions)."""
        path = self.path_of_uri(uri)
        return self.store.overlapping(path, start_line, end_line) if path else []

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
            self.store.save(self._file(self.thread_id))

    def resume(self, thread_id: str) -> None:
        """A thread was resumed: bring back the findings saved with it."""
        touched = self.store.load(self._file(thread_id))
        if touched:
            self.thread_id = thread_id
            self.publish(touched)

    # ---- didChange (a `ChangeListener`) -------------------------------------------

    def before_change(self, uri: str, doc: TextDocument, changes: Any) -> Any:
        """Keep the old lines only when a whole-document change will need mapping."""
        path = self.path_of_uri(uri) if self.store.all() else None
        if path is None or not self.store.for_path(path):
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
            moved = self.store.track_rewrite(path, old, list(lines_of(doc)))
        else:
            moved = self.store.track(
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
            self.changed([path])
