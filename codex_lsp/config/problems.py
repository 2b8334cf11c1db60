"""Problems in a user's configuration, located (file, line, key) and worked around.

`config.toml` is shared with the Codex CLI and edited by hand, so one typo must
not stop the language server. Here a file that does not parse keeps every line
that does (`salvage_toml` blanks the broken lines), and a key that does not
validate is dropped (`drop_key`); each problem is kept as a `ConfigProblem` that
names the file, the line and the key, with the next step for the user.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from codex_lsp.config._structure import PathPart, render_key

MAX_SALVAGE_ROUNDS = 50
"""Broken lines blanked before the whole file is given up (then: no settings from it)."""

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a configuration source, and what was done about it."""

    source: str
    """The file (or `initializationOptions`)."""
    detail: str
    """What is wrong, e.g. `must be one of never, on-request (got 'sometimes')`."""
    key: str | None = None
    """Dotted key, as TOML spells it."""
    line: int | None = None
    """1-based line in the file, when known."""
    action: str = "ignored; its default is used"
    """What the server did instead."""

    def located(self) -> str:
        """`file:line: 'key' detail`, without what was done about it."""
        where = f"{self.source}:{self.line}" if self.line else self.source
        what = f"'{self.key}' {self.detail}" if self.key else self.detail
        return f"{where}: {what}"

    def __str__(self) -> str:
        return f"{self.located()} ({self.action})"


def error_line(message: str, lines: Sequence[str]) -> int | None:
    """The line a `tomllib` error names (the end of the document: its last line)."""
    found = _AT_LINE.search(message)
    if found is None:
        return None
    if found.group(1):
        return int(found.group(1))
    filled = [i for i, line in enumerate(lines, 1) if line.strip()]
    return filled[-1] if filled else None


def _key_of(lines: Sequence[str], index: int) -> str | None:
    """The dotted key a line sets (with its table), or its table header's name."""
    header = _HEADER.match(lines[index])
    if header:
        return header.group(1)
    assign = _ASSIGN.match(lines[index])
    if assign is None:
        return None
    key = assign.group(1).strip()
    for above in reversed(lines[:index]):
        table = _HEADER.match(above)
        if table:
            return f"{table.group(1)}.{key}"
    return key


def salvage_toml(text: str, source: str) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """Parse `text`, blanking each line that breaks it; the lines that parse are kept.

    A broken table header takes its table's lines with it (they would otherwise
    land in the table above). After `MAX_SALVAGE_ROUNDS`, nothing is kept.
    """
    lines = text.splitlines()
    problems: list[ConfigProblem] = []
    for _ in range(MAX_SALVAGE_ROUNDS):
        try:
            return tomllib.loads("\n".join(lines)), problems
        except tomllib.TOMLDecodeError as exc:
            number = error_line(str(exc), lines)
            if number is None or not 1 <= number <= len(lines):
                break
            problems.append(
                ConfigProblem(
                    source,
                    f"is not valid TOML: {_AT_LINE.sub('', str(exc)).strip()}",
                    _key_of(lines, number - 1),
                    number,
                    "line ignored",
                )
            )
            _blank(lines, number - 1)
    problems.append(ConfigProblem(source, "is not valid TOML", action="whole file ignored"))
    return {}, problems


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


def key_line(text: str, path: Sequence[PathPart]) -> int | None:
    """The 1-based line that sets `path` in a TOML text (best effort), else None.

    Follows table headers and dotted keys; arrays of tables and inline tables
    are matched by their first key only.
    """
    keys = [p for p in path if isinstance(p, str)]
    table: list[str] = []
    best: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            if table == keys:
                best = best or number
            continue
        assign = _ASSIGN.match(line)
        if assign is None:
            continue
        full = table + _split_key(assign.group(1))
        if full == keys[: len(full)] and full:
            if full == keys:
                return number
            best = best or number
    return best


def _split_key(dotted: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', dotted)
    return [a or b or c for a, b, c in parts]


def drop_key(raw: MutableMapping[str, Any], path: Sequence[PathPart]) -> bool:
    """Remove the key at `path` (an array item takes its whole array); whether it existed."""
    keys: list[str] = []
    for part in path:
        if isinstance(part, int):
            break
        keys.append(part)
    if not keys:
        return False
    node: Any = raw
    for part in keys[:-1]:
        if not isinstance(node, MutableMapping) or part not in node:
            return False
        node = node[part]
    if not isinstance(node, MutableMapping) or keys[-1] not in node:
        return False
    del node[keys[-1]]
    return True


def shown_key(path: Sequence[PathPart]) -> str | None:
    """A key path as the user writes it, or None for the whole source."""
    return render_key(path) or None
