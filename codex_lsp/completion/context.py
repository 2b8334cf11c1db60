"""What a completion sees: the text before and after the cursor, within a budget.

Built from the document's lines around the cursor only, so a 1 MB file costs
the same as a small one (the benchmark holds this to well under 2 ms).
"""

from __future__ import annotations

from dataclasses import dataclass

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class CompletionContext:
    """Prefix and suffix around the cursor, and what else the prompt may use."""

    path: str
    language: str
    prefix: str
    suffix: str
    line_prefix: str
    """The cursor line up to the cursor."""
    line_suffix: str
    """The cursor line after the cursor (without its line break)."""
    neighbours: tuple[tuple[str, str], ...] = ()
    """(path, excerpt) of other open buffers, within what the budget left."""


def utf16_to_index(line: str, character: int) -> int:
    """Python index of a UTF-16 column in `line` (past the end: the end)."""
    if line.isascii():
        return min(character, len(line))
    units = 0
    for index, ch in enumerate(line):
        if units >= character:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def build_context(
    lines: list[str], line: int, character: int, path: str, language: str, budget_tokens: int
) -> CompletionContext:
    """Prefix (about 3/4 of the budget) and suffix (the rest) around (line, character)."""
    budget = budget_tokens * CHARS_PER_TOKEN
    current = lines[line] if line < len(lines) else ""
    body = current.rstrip("\r\n")
    cut = utf16_to_index(body, character)
    line_prefix, line_suffix = body[:cut], body[cut:]
    before: list[str] = [line_prefix]
    room = budget * 3 // 4 - len(line_prefix)
    index = min(line, len(lines)) - 1
    while index >= 0 and room > 0:
        text = lines[index]
        before.append(text if len(text) <= room else text[-room:])
        room -= len(text)
        index -= 1
    after: list[str] = [current[len(line_prefix) :] if line < len(lines) else ""]
    room = budget - budget * 3 // 4 - len(after[0])
    index = line + 1
    while index < len(lines) and room > 0:
        text = lines[index]
        after.append(text if len(text) <= room else text[:room])
        room -= len(text)
        index += 1
    return CompletionContext(
        path, language, "".join(reversed(before)), "".join(after), line_prefix, line_suffix
    )


def neighbour_excerpts(
    buffers: list[tuple[str, str]], budget_tokens: int, limit: int = 3
) -> tuple[tuple[str, str], ...]:
    """The first lines of up to `limit` other open buffers, sharing `budget_tokens`."""
    room = budget_tokens * CHARS_PER_TOKEN
    out: list[tuple[str, str]] = []
    for path, text in buffers[:limit]:
        if room <= 200:
            break
        share = min(room, len(text), budget_tokens * CHARS_PER_TOKEN // max(limit, 1))
        out.append((path, text[:share]))
        room -= share
    return tuple(out)
