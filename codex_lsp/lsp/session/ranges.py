"""LSP ranges as the JSON the client receives: built in one place.

Plain dicts (no lsprotocol): `fast_start` answers code actions with these before
pygls has loaded.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def lsp_range(start_line: int, start_char: int, end_line: int, end_char: int) -> Json:
    """`{start: {line, character}, end: {line, character}}` (0-based, UTF-16 columns)."""
    return {
        "start": {"line": start_line, "character": start_char},
        "end": {"line": end_line, "character": end_char},
    }


def range_json(rng: Any) -> Json:
    """A typed range (lsprotocol's or the command arguments') as JSON."""
    return lsp_range(rng.start.line, rng.start.character, rng.end.line, rng.end.character)


def utf16_length(line: str) -> int:
    """UTF-16 length of a line without its line break."""
    text = line.rstrip("\r\n")
    return len(text.encode("utf-16-le")) // 2


def whole_lines(start_line: int, end_line: int, lines: list[str]) -> Json:
    """The range covering lines `start_line`..`end_line` (0-based) up to the last one's break."""
    last = lines[end_line] if end_line < len(lines) else ""
    return lsp_range(start_line, 0, end_line, utf16_length(last))
