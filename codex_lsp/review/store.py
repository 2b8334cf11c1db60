"""The findings of this session, by file, kept in step with the user's edits.

Findings move with `didChange`: lines inserted or removed above a finding shift
it, lines inserted inside it stretch it, and a finding whose lines were replaced
is dropped (it described code that is gone). A whole-document change is mapped
line by line with `difflib`. Each review scope replaces its own earlier set.
"""

from __future__ import annotations

import difflib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_lsp.review.findings import Finding

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineChange:
    """One incremental change: the replaced range's lines and the inserted text."""

    start_line: int
    start_character: int
    end_line: int
    end_character: int
    text: str


def _newlines(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _track(finding: Finding, change: LineChange) -> Finding | None:
    """Where `finding` is after `change` (None: its lines were replaced)."""
    start, end = finding.start_line, finding.end_line
    removed = change.end_line - change.start_line
    added = _newlines(change.text)
    delta = added - removed
    if end < change.start_line:
        return finding
    whole_lines_above = (
        removed == 0
        and change.start_character == 0
        and change.end_character == 0
        and added > 0
        and change.text.endswith(("\n", "\r"))
    )
    if start > change.end_line or (whole_lines_above and start >= change.start_line):
        return finding.moved(start + delta, end + delta) if delta else finding
    if removed == 0:  # typed inside the finding's lines: it stays, stretched by new lines
        return finding.moved(start, end + added) if added else finding
    return None


class FindingStore:
    """Findings by absolute path."""

    def __init__(self) -> None:
        self._by_path: dict[str, list[Finding]] = {}

    def all(self) -> list[Finding]:
        """Every finding, file by file."""
        return [f for findings in self._by_path.values() for f in findings]

    def for_path(self, path: str) -> list[Finding]:
        """The findings in one file."""
        return list(self._by_path.get(path, ()))

    def get(self, finding_id: str) -> Finding | None:
        """The finding with this id, if it is still there."""
        return next((f for f in self.all() if f.id == finding_id), None)

    def overlapping(self, path: str, start_line: int, end_line: int) -> list[Finding]:
        """Findings in `path` whose lines meet `start_line..end_line` (0-based, inclusive)."""
        return [
            f
            for f in self._by_path.get(path, ())
            if f.start_line <= end_line and f.end_line >= start_line
        ]

    def _set(self, path: str, findings: list[Finding]) -> None:
        if findings:
            self._by_path[path] = findings
        else:
            self._by_path.pop(path, None)

    def replace_scope(self, scope: str, findings: Iterable[Finding]) -> set[str]:
        """Drop `scope`'s earlier findings, add these; the paths whose set changed."""
        touched = {p for p, fs in self._by_path.items() if any(f.scope == scope for f in fs)}
        for path in touched:
            self._set(path, [f for f in self._by_path[path] if f.scope != scope])
        for finding in findings:
            self._by_path.setdefault(finding.path, []).append(finding)
            touched.add(finding.path)
        return touched

    def remove(self, ids: Iterable[str]) -> set[str]:
        """Forget these findings; the paths that had them."""
        wanted = set(ids)
        touched = {p for p, fs in self._by_path.items() if any(f.id in wanted for f in fs)}
        for path in touched:
            self._set(path, [f for f in self._by_path[path] if f.id not in wanted])
        return touched

    def clear(self, path: str | None = None) -> set[str]:
        """Forget the findings of one file, or all; the paths that had any."""
        touched = set(self._by_path) if path is None else ({path} & set(self._by_path))
        for p in touched:
            del self._by_path[p]
        return touched

    def track(self, path: str, changes: Iterable[LineChange]) -> bool:
        """Move `path`'s findings through incremental changes; whether any moved or went."""
        before = self._by_path.get(path)
        if not before:
            return False
        findings: list[Finding] = list(before)
        for change in changes:
            findings = [t for f in findings if (t := _track(f, change)) is not None]
        self._set(path, findings)
        return findings != before

    def track_rewrite(self, path: str, old: list[str], new: list[str]) -> bool:
        """Map `path`'s findings from `old` lines to `new` ones (a whole-document change)."""
        before = self._by_path.get(path)
        if not before:
            return False
        mapping: dict[int, int] = {}
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
            if tag == "equal":
                mapping.update((i1 + k, j1 + k) for k in range(i2 - i1))
        kept = []
        for f in before:
            start, end = mapping.get(f.start_line), mapping.get(f.end_line)
            if start is not None and end is not None and end - start == f.end_line - f.start_line:
                kept.append(f.moved(start, end))
        self._set(path, kept)
        return kept != before

    # ---- persistence -------------------------------------------------------------

    def save(self, file: Path) -> None:
        """Write every finding next to the thread of the latest review (resumed with it)."""
        mine = [f.to_json() for f in self.all()]
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps({"findings": mine}), encoding="utf-8")
        except OSError as exc:  # findings are a convenience; the review result has them too
            log.warning("could not save findings to %s: %s", file, exc)

    def load(self, file: Path) -> set[str]:
        """Add the findings saved in `file` (replacing their scopes); the paths touched."""
        try:
            data: Any = json.loads(file.read_text(encoding="utf-8"))
            findings = [Finding.from_json(item) for item in data.get("findings", [])]
        except FileNotFoundError:
            return set()
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable findings file %s: %s", file, exc)
            return set()
        touched: set[str] = set()
        for scope in {f.scope for f in findings}:
            touched |= self.replace_scope(scope, [f for f in findings if f.scope == scope])
        return touched
