"""Suggestions by prefix: typing into a shown suggestion reuses it without a request.

An entry is (document, the prefix tail it was made for, suffix head, text). A later
prefix that extends the entry's prefix with the start of its text gets the rest.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

TAIL = 512
"""Characters of prefix compared (enough to tell places apart, cheap on big files)."""


@dataclass(frozen=True)
class _Entry:
    prefix: str
    suffix: str
    text: str


class SuggestionCache:
    """A small LRU of suggestions per document."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()

    def put(self, uri: str, prefix: str, suffix: str, text: str) -> None:
        """Remember `text` as the suggestion after `prefix` in `uri`."""
        if not text:
            return
        key = (uri, prefix[-TAIL:])
        self._entries[key] = _Entry(prefix[-TAIL:], suffix[:TAIL], text)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def get(self, uri: str, prefix: str, suffix: str) -> str | None:
        """The rest of a suggestion the user is typing into (or asked for again), if any."""
        head = suffix[:64]
        for (doc, _), entry in reversed(self._entries.items()):
            if doc != uri or entry.suffix[:64] != head:
                continue
            text = entry.text
            for typed in range(min(len(text) - 1, len(prefix)), -1, -1):
                if prefix.endswith(text[:typed]) and prefix[: len(prefix) - typed].endswith(
                    entry.prefix
                ):
                    return text[typed:]
        return None

    def clear(self, uri: str | None = None) -> None:
        """Forget one document's suggestions, or all."""
        for key in [k for k in self._entries if uri is None or k[0] == uri]:
            del self._entries[key]
