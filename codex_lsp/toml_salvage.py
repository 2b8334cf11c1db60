"""Parse TOML keeping every line that parses: the broken ones are blanked and named.

Light on purpose (the standard library only): `lsp.fast_start` reads `config.toml`
with it before anything heavy is imported, and `config.problems` builds on it, so
both see the same settings in a file with a typo.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from typing import Any

MAX_SALVAGE_ROUNDS = 50
"""Broken lines blanked before the whole file is given up (then: no settings from it)."""

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")
HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
"""A table header line: `[a.b]` or `[[a.b]]`."""
ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")
"""A `key = value` line (the key may be dotted or quoted)."""

BrokenLine = tuple[int, str | None, str]
"""(1-based line, dotted key it sets or None, the parser's message without position)."""


def error_line(message: str, lines: Sequence[str]) -> int | None:
    """The line a `tomllib` error names (the end of the document: its last line)."""
    found = _AT_LINE.search(message)
    if found is None:
        return None
    if found.group(1):
        return int(found.group(1))
    filled = [i for i, line in enumerate(lines, 1) if line.strip()]
    return filled[-1] if filled else None


def key_of(lines: Sequence[str], index: int) -> str | None:
    """The dotted key a line sets (with its table), or its table header's name."""
    header = HEADER.match(lines[index])
    if header:
        return header.group(1)
    assign = ASSIGN.match(lines[index])
    if assign is None:
        return None
    key = assign.group(1).strip()
    for above in reversed(lines[:index]):
        table = HEADER.match(above)
        if table:
            return f"{table.group(1)}.{key}"
    return key


def salvage(text: str) -> tuple[dict[str, Any] | None, list[BrokenLine]]:
    """The table of `text` without its broken lines (None: it could not be saved).

    A broken table header takes its table's lines with it (they would otherwise
    land in the table above). After `MAX_SALVAGE_ROUNDS`, nothing is kept.
    """
    lines = text.splitlines()
    broken: list[BrokenLine] = []
    for _ in range(MAX_SALVAGE_ROUNDS):
        try:
            return tomllib.loads("\n".join(lines)), broken
        except tomllib.TOMLDecodeError as exc:
            number = error_line(str(exc), lines)
            if number is None or not 1 <= number <= len(lines):
                break
            broken.append((number, key_of(lines, number - 1), _AT_LINE.sub("", str(exc)).strip()))
            _blank(lines, number - 1)
    return None, broken


def _blank(lines: list[str], index: int) -> None:
    """Blank a broken line; a broken header blanks its table up to the next header."""
    is_header = lines[index].lstrip().startswith("[")
    lines[index] = ""
    if not is_header:
        return
    for i in range(index + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            return
        lines[i] = ""
