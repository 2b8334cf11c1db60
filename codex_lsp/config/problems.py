"""Problems in a user's configuration, located (file, line, key) and worked around.

`config.toml` is shared with the Codex CLI and edited by hand, so one typo must
not stop the language server. Here a file that does not parse keeps every line
that does (`salvage_toml` blanks the broken lines), and a key that does not
validate is dropped (`drop_key`); each problem is kept as a `ConfigProblem` that
names the file, the line and the key, with the next step for the user.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from codex_lsp.config._structure import PathPart, render_key
from codex_lsp.toml_salvage import ASSIGN, HEADER, salvage


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


def salvage_toml(text: str, source: str) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """Parse `text` keeping every line that parses; a problem for each broken line."""
    data, broken = salvage(text)
    problems = [
        ConfigProblem(source, f"is not valid TOML: {message}", key, line, "line ignored")
        for line, key, message in broken
    ]
    if data is None:
        problems.append(ConfigProblem(source, "is not valid TOML", action="whole file ignored"))
        return {}, problems
    return data, problems


def key_line(text: str, path: Sequence[PathPart]) -> int | None:
    """The 1-based line that sets `path` in a TOML text (best effort), else None.

    Follows table headers and dotted keys; arrays of tables and inline tables
    are matched by their first key only.
    """
    keys = [p for p in path if isinstance(p, str)]
    table: list[str] = []
    best: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        header = HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            if table == keys:
                best = best or number
            continue
        assign = ASSIGN.match(line)
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
