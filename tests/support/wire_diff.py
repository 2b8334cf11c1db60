"""The structural diff of two `/responses` requests, as rows docs/wire-parity.md must explain.

A request is reduced to what should match between two clients of one backend: header names
(plus the values that carry meaning, not ids), body keys (one level into objects), the
values of the body's settings, the shape of each `input` item before the conversation, and
the tool names.  Each difference becomes a row key such as ``header x-codex-turn-metadata``,
``body reasoning.summary``, ``value parallel_tool_calls`` or ``input[1]``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRANSPORT_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding"})
"""Framing, not part of what either client chose to say."""
COMPARED_HEADER_VALUES = ("originator", "version", "accept", "content-type", "content-encoding")
ID_KEYS = frozenset({"prompt_cache_key", "client_metadata", "input", "tools", "instructions"})
"""Body keys whose values are ids or content: only their presence (and shape) is compared."""


@dataclass(frozen=True)
class Row:
    """One difference: its key, what codex-lsp sent, what Codex sent."""

    key: str
    ours: str
    codex: str


def _headers(request: dict[str, Any]) -> dict[str, str]:
    return {
        k.lower(): v for k, v in request["headers"].items() if k.lower() not in TRANSPORT_HEADERS
    }


def _body_paths(body: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, dict) and key not in ID_KEYS:
            for sub, inner in value.items():
                paths[f"{key}.{sub}"] = inner
        elif isinstance(value, dict):
            paths[key] = "{...}"
            for sub in value:
                paths[f"{key}.{sub}"] = "…"
        else:
            paths[key] = value
    return paths


def item_shape(item: dict[str, Any]) -> str:
    """`message/developer[input_text]`, `function_call`, ..."""
    shape = str(item.get("type"))
    if "role" in item:
        shape += f"/{item['role']}"
    content = item.get("content")
    if isinstance(content, list):
        shape += "[" + ",".join(str(part.get("type")) for part in content) + "]"
    return shape


def _show(value: Any) -> str:
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


def diff(ours: dict[str, Any], codex: dict[str, Any]) -> list[Row]:
    """Every difference between our first request and Codex's, as rows."""
    rows: list[Row] = []
    ours_h, codex_h = _headers(ours), _headers(codex)
    for name in sorted(set(ours_h) | set(codex_h)):
        if (name in ours_h) != (name in codex_h):
            rows.append(Row(f"header {name}", _sent(name in ours_h), _sent(name in codex_h)))
        elif name in COMPARED_HEADER_VALUES and ours_h[name] != codex_h[name]:
            rows.append(Row(f"value header {name}", ours_h[name], codex_h[name]))
    ours_b, codex_b = _body_paths(ours["body"]), _body_paths(codex["body"])
    for path in sorted(set(ours_b) | set(codex_b)):
        if (path in ours_b) != (path in codex_b):
            rows.append(Row(f"body {path}", _sent(path in ours_b), _sent(path in codex_b)))
        elif path.split(".")[0] not in ID_KEYS and ours_b[path] != codex_b[path]:
            rows.append(Row(f"value {path}", _show(ours_b[path]), _show(codex_b[path])))
    ours_in = [item_shape(i) for i in ours["body"].get("input", [])]
    codex_in = [item_shape(i) for i in codex["body"].get("input", [])]
    for index in range(max(len(ours_in), len(codex_in))):
        mine = ours_in[index] if index < len(ours_in) else "—"
        theirs = codex_in[index] if index < len(codex_in) else "—"
        if mine != theirs:
            rows.append(Row(f"input[{index}]", mine, theirs))
    ours_t = sorted(_tool_name(t) for t in ours["body"].get("tools", []))
    codex_t = sorted(_tool_name(t) for t in codex["body"].get("tools", []))
    if ours_t != codex_t:
        rows.append(Row("tools", ", ".join(ours_t), ", ".join(codex_t)))
    return rows


def _sent(present: bool) -> str:
    return "sent" if present else "—"


def _tool_name(tool: dict[str, Any]) -> str:
    return str(tool.get("name") or tool.get("type"))


REPO_DOC = Path(__file__).resolve().parents[2] / "docs" / "wire-parity.md"
ROW_LINE = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|")
MODES = ("api-key", "chatgpt")


def documented(doc: Path) -> dict[str, set[str]]:
    """Row key -> modes, from the table between the wire-diff markers of `doc`."""
    text = doc.read_text(encoding="utf-8")
    start, end = text.index("<!-- wire-diff:start -->"), text.index("<!-- wire-diff:end -->")
    rows: dict[str, set[str]] = {}
    for line in text[start:end].splitlines():
        match = ROW_LINE.match(line.strip())
        if match is None:
            continue
        key, modes = match.group(1), match.group(2).strip()
        rows.setdefault(key, set()).update(MODES if modes == "both" else {modes})
    return rows


def as_table(observed: dict[str, dict[str, Row]]) -> str:
    """Observed rows (key -> mode -> row) as the doc's table lines, for a failure message."""
    lines = []
    for key in sorted(observed):
        by_mode = observed[key]
        modes = "both" if set(by_mode) == set(MODES) else next(iter(by_mode))
        row = next(iter(by_mode.values()))
        lines.append(f"| `{key}` | {modes} | {row.ours} | {row.codex} | (why?) |")
    return "\n".join(lines)
