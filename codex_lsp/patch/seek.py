"""Tolerant search for a block of lines inside a file, as Codex's ``seek_sequence``.

A patch's context and removed lines are looked up in the file with decreasing
strictness, each pass over the whole search range before the next is tried:

1. exact equality;
2. equality after stripping trailing whitespace;
3. equality after stripping leading and trailing whitespace;
4. equality after stripping and mapping typographic punctuation (fancy quotes,
   dashes, non-breaking and other odd spaces) to ASCII.

With ``eof=True`` the block is first tried at the very end of the file (all four
passes), and only then searched from ``start`` like any other block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

_PUNCTUATION = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f", '"'),
        **dict.fromkeys(
            "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
            " ",
        ),
    }
)


def normalise_punctuation(text: str) -> str:
    """Strip ``text`` and map typographic dashes, quotes and spaces to ASCII."""
    return text.strip().translate(_PUNCTUATION)


def _exact(text: str) -> str:
    return text


def _rstrip(text: str) -> str:
    return text.rstrip()


def _strip(text: str) -> str:
    return text.strip()


PASSES: tuple[Callable[[str], str], ...] = (_exact, _rstrip, _strip, normalise_punctuation)
"""The line normalisations tried in order, strictest first."""


def _find(
    lines: Sequence[str], pattern: Sequence[str], start: int, key: Callable[[str], str]
) -> int | None:
    last = len(lines) - len(pattern)
    if start > last:
        return None
    keyed = [key(p) for p in pattern]
    first = keyed[0]
    hay = lines if key is _exact else [key(line) for line in lines[start:]]
    offset = 0 if key is _exact else start
    for i in range(start, last + 1):
        j = i - offset
        if hay[j] != first:
            continue
        if all(hay[j + k] == keyed[k] for k in range(1, len(keyed))):
            return i
    return None


def _matches_at(
    lines: Sequence[str], pattern: Sequence[str], at: int, key: Callable[[str], str]
) -> bool:
    return all(key(lines[at + k]) == key(p) for k, p in enumerate(pattern))


def seek_sequence(
    lines: Sequence[str], pattern: Sequence[str], start: int = 0, *, eof: bool = False
) -> int | None:
    """Index of the first place at or after ``start`` where ``pattern`` matches ``lines``.

    An empty pattern matches at ``start`` (at the end of ``lines`` if ``eof``).
    Returns ``None`` when no pass finds the block.
    """
    start = max(start, 0)
    if not pattern:
        return len(lines) if eof else min(start, len(lines))
    if len(pattern) > len(lines):
        return None
    if eof:
        at_end = len(lines) - len(pattern)
        if at_end >= start:
            for key in PASSES:
                if _matches_at(lines, pattern, at_end, key):
                    return at_end
    for key in PASSES:
        found = _find(lines, pattern, start, key)
        if found is not None:
            return found
    return None
