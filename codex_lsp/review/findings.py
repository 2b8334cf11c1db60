"""Review findings: the JSON schema the model answers in, and reading its answer.

The shape is Codex's review output (`findings[]` with `title`, `body`,
`confidence_score`, `priority`, `code_location.{absolute_file_path, line_range}`,
then `overall_correctness`, `overall_explanation`, `overall_confidence_score`),
so a prompt tuned for Codex's `/review` carries over. Lines in the answer are
1-based and inclusive; a `Finding` keeps them 0-based, as LSP publishes them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

SCHEMA_NAME = "codex_review"

_LOCATION = {
    "type": "object",
    "properties": {
        "absolute_file_path": {"type": "string"},
        "line_range": {
            "type": "object",
            "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}},
            "required": ["start", "end"],
            "additionalProperties": False,
        },
    },
    "required": ["absolute_file_path", "line_range"],
    "additionalProperties": False,
}

REVIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "body": {"type": "string"},
                    "confidence_score": {"type": "number"},
                    "priority": {"type": "integer"},
                    "code_location": _LOCATION,
                },
                "required": ["title", "body", "confidence_score", "priority", "code_location"],
                "additionalProperties": False,
            },
        },
        "overall_correctness": {"type": "string"},
        "overall_explanation": {"type": "string"},
        "overall_confidence_score": {"type": "number"},
    },
    "required": [
        "findings",
        "overall_correctness",
        "overall_explanation",
        "overall_confidence_score",
    ],
    "additionalProperties": False,
}
"""Strict JSON schema (every property required, no others), as `text.format` wants it."""

SEVERITY_BY_PRIORITY = {0: 1, 1: 2, 2: 3, 3: 4}
"""P0 Error, P1 Warning, P2 Information, P3 Hint (LSP `DiagnosticSeverity`)."""


class ReviewParseError(ValueError):
    """The model's answer is not review findings."""


@dataclass(frozen=True)
class Finding:
    """One finding, at a file and 0-based inclusive line range."""

    id: str
    title: str
    body: str
    priority: int
    confidence: float
    path: str
    """Absolute path of the file."""
    start_line: int
    end_line: int
    scope: str
    """The review that found it (`file:<path>`, `uncommitted`, ...): the next one replaces it."""

    def to_json(self) -> dict[str, Any]:
        """As persisted and sent in results (camelCase for clients)."""
        data = asdict(self)
        data["startLine"], data["endLine"] = data.pop("start_line"), data.pop("end_line")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        """From `to_json`; `KeyError`/`TypeError`/`ValueError` when damaged."""
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            body=str(data["body"]),
            priority=int(data["priority"]),
            confidence=float(data["confidence"]),
            path=str(data["path"]),
            start_line=int(data["startLine"]),
            end_line=int(data["endLine"]),
            scope=str(data["scope"]),
        )

    def moved(self, start_line: int, end_line: int) -> Finding:
        """The same finding at other lines (its id stays: it names the finding, not a place)."""
        return Finding(
            self.id,
            self.title,
            self.body,
            self.priority,
            self.confidence,
            self.path,
            start_line,
            end_line,
            self.scope,
        )


@dataclass(frozen=True)
class Review:
    """A parsed review answer."""

    findings: list[Finding]
    correctness: str
    explanation: str
    confidence: float


def finding_id(path: str, title: str, start_line: int, scope: str) -> str:
    """Stable id: the same finding from the same review gets the same id again."""
    digest = hashlib.sha256(f"{scope}\0{path}\0{start_line}\0{title}".encode()).hexdigest()
    return f"cx-{digest[:10]}"


_FENCE = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.DOTALL)


def extract_json(text: str) -> dict[str, Any]:
    """The JSON object in an answer: bare, fenced, or between prose (Chat fallbacks)."""
    stripped = text.strip()
    candidates = [stripped]
    fenced = _FENCE.search(stripped)
    if fenced:
        candidates.append(fenced.group(1))
    start, end = stripped.find("{"), stripped.rfind("}")
    if 0 <= start < end:
        candidates.append(stripped[start : end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    shown = " ".join(stripped.split())[:160] or "an empty answer"
    raise ReviewParseError(
        f"The review answer is not the JSON findings asked for (got: {shown}). "
        "Try again, or a model that supports structured output."
    )


def parse_review(text: str, scope: str, resolve: Any) -> Review:
    """Findings from the model's answer; `resolve(path) -> Path | None` places each file.

    A finding whose file cannot be placed (outside the workspace) is dropped, not fatal.
    """
    data = extract_json(text)
    raw = data.get("findings")
    if not isinstance(raw, list):
        raise ReviewParseError("The review answer has no 'findings' list.")
    findings: list[Finding] = []
    for entry in raw:
        finding = _finding(entry, scope, resolve)
        if finding is not None and all(f.id != finding.id for f in findings):
            findings.append(finding)
    return Review(
        findings,
        str(data.get("overall_correctness") or ""),
        str(data.get("overall_explanation") or ""),
        _number(data.get("overall_confidence_score"), 0.0),
    )


def _number(value: Any, default: float) -> float:
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default
    )


def _finding(entry: Any, scope: str, resolve: Any) -> Finding | None:
    if not isinstance(entry, dict):
        return None
    location = entry.get("code_location") or {}
    lines = location.get("line_range") or {} if isinstance(location, dict) else {}
    raw_path = location.get("absolute_file_path") if isinstance(location, dict) else None
    if not isinstance(raw_path, str) or not isinstance(lines, dict):
        return None
    path = resolve(raw_path)
    if path is None:
        return None
    start = max(int(_number(lines.get("start"), 1)), 1) - 1
    end = max(int(_number(lines.get("end"), start + 1)) - 1, start)
    title = " ".join(str(entry.get("title") or "Review finding").split())
    priority = min(max(int(_number(entry.get("priority"), 2)), 0), 3)
    confidence = min(max(_number(entry.get("confidence_score"), 0.5), 0.0), 1.0)
    return Finding(
        finding_id(str(path), title, start, scope),
        title,
        str(entry.get("body") or ""),
        priority,
        confidence,
        str(path),
        start,
        end,
        scope,
    )


def severity(priority: int) -> int:
    """LSP `DiagnosticSeverity` for a priority."""
    return SEVERITY_BY_PRIORITY.get(priority, 3)
