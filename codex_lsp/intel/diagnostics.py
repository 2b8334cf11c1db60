"""Diagnostics as the model reads them, and which of them an edit introduced."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_lsp.edits.lines import lsp_lines

SEVERITIES = {1: "error", 2: "warning", 3: "info", 4: "hint"}
REPORTED = ("error", "warning")
"""Severities worth the model's attention after an edit; hints and infos are noise."""


@dataclass(frozen=True)
class Diagnostic:
    """One problem a language server reported, with 1-based line and column."""

    path: Path
    line: int
    column: int
    severity: str
    message: str
    source: str = ""
    code: str = ""

    @classmethod
    def from_lsp(cls, path: Path, data: Mapping[str, Any]) -> Diagnostic:
        """From LSP JSON (`Diagnostic`); severity missing means error, as the spec says."""
        start = data.get("range", {}).get("start", {})
        code = data.get("code")
        return cls(
            path=path,
            line=int(start.get("line", 0)) + 1,
            column=int(start.get("character", 0)) + 1,
            severity=SEVERITIES.get(int(data.get("severity") or 1), "error"),
            message=str(data.get("message", "")).strip(),
            source=str(data.get("source") or ""),
            code="" if code is None else str(code),
        )

    def describe(self, relative: Callable[[Path], str]) -> str:
        """`a.py:4:5: error: message [source code]` — one line, as compilers print."""
        tag = " ".join(p for p in (self.source, self.code) if p)
        message = " ".join(self.message.split())[:300]
        where = f"{relative(self.path)}:{self.line}:{self.column}"
        return f"{where}: {self.severity}: {message}" + (f" [{tag}]" if tag else "")


def _key(d: Diagnostic, lines: list[str]) -> tuple[str, str, str, str]:
    """What identifies a problem across an edit: not its line number, which moves."""
    text = lines[d.line - 1].strip() if 0 < d.line <= len(lines) else ""
    return (d.severity, d.code, d.message, text)


def introduced(
    before: list[Diagnostic], after: list[Diagnostic], old_text: str, new_text: str
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Split `after` into (new, already there), matching by message, code and line text.

    Lines shift when an edit adds or removes lines above a problem, so a problem
    counts as already there when one like it sat on an identical line before.
    """
    old_lines, new_lines = lsp_lines(old_text), lsp_lines(new_text)
    seen = Counter(_key(d, old_lines) for d in before)
    new: list[Diagnostic] = []
    kept: list[Diagnostic] = []
    for d in after:
        key = _key(d, new_lines)
        if seen[key] > 0:
            seen[key] -= 1
            kept.append(d)
        else:
            new.append(d)
    return new, kept
