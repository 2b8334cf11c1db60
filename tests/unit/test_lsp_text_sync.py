"""Incremental sync: `apply_changes` against a plain offset-based reference."""

from __future__ import annotations

import random
from dataclasses import dataclass

from codex_lsp.edits.text_edits import offset_at
from codex_lsp.lsp.session.text_sync import apply_changes


@dataclass
class Pos:
    line: int
    character: int


@dataclass
class Rng:
    start: Pos
    end: Pos


@dataclass
class Change:
    text: str
    range: Rng | None = None


def reference(text: str, changes: list[Change]) -> str:
    for c in changes:
        if c.range is None:
            text = c.text
            continue
        a = offset_at(text, c.range.start.line, c.range.start.character)
        b = offset_at(text, c.range.end.line, c.range.end.character)
        text = text[:a] + c.text + text[b:]
    return text


PIECES = ["x", "yz", "\n", "\r\n", "é", "😀", " ", "line\n", "", "\r"]


def random_change(rng: random.Random, text: str) -> Change:
    lines = text.splitlines(keepends=True) or [""]
    def pos() -> Pos:
        line = rng.randrange(len(lines) + 1)
        return Pos(line, rng.randrange(6))
    a, b = pos(), pos()
    if (b.line, b.character) < (a.line, a.character):
        a, b = b, a
    return Change("".join(rng.choice(PIECES) for _ in range(rng.randrange(4))), Rng(a, b))


def test_random_changes_match_the_reference() -> None:
    rng = random.Random(7)
    for _ in range(400):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(30)))
        changes = []
        expected = text
        for _ in range(rng.randrange(1, 6)):
            change = random_change(rng, expected)
            changes.append(change)
            expected = reference(expected, [change])
        assert apply_changes(text, changes) == expected, (text, changes)


def test_whole_document_change_and_edit_at_the_end() -> None:
    changes = [Change("a\nb\n"), Change("c", Rng(Pos(2, 0), Pos(2, 0)))]
    assert apply_changes("old", changes) == "a\nb\nc"


def test_utf16_columns() -> None:
    change = Change("!", Rng(Pos(0, 2), Pos(0, 2)))  # after the emoji (2 UTF-16 units)
    assert apply_changes("😀ab\n", [change]) == "😀!ab\n"


def test_thousand_changes_in_one_notification() -> None:
    text = "".join(f"value = {i}\n" for i in range(12_000))
    changes = [Change("changed", Rng(Pos(i, 0), Pos(i, 5))) for i in range(0, 12_000, 12)]
    out = apply_changes(text, changes)
    # Written out, not replayed through `reference` (1,000 scans of 150 KB: seconds).
    expected = "".join(f"{'changed' if i % 12 == 0 else 'value'} = {i}\n" for i in range(12_000))
    assert out == expected and out.count("changed = ") == 1000


def test_document_kept_as_lines_reads_back_its_text() -> None:
    from pygls.workspace import TextDocument

    from codex_lsp.lsp.session.text_sync import LinesTextDocument, adopt

    doc = TextDocument("file:///x.py", "a = 1\nb = 2\n", version=1)
    lines_doc = adopt(doc)
    assert isinstance(lines_doc, LinesTextDocument) and lines_doc is doc
    lines_doc.apply_lsp_changes([Change("3", Rng(Pos(1, 4), Pos(1, 5)))], 2)
    lines_doc.apply_lsp_changes([Change("c = 4\n", Rng(Pos(2, 0), Pos(2, 0)))], 3)
    assert doc.source == "a = 1\nb = 3\nc = 4\n"
    assert doc.version == 3
    assert doc.lines == ("a = 1\n", "b = 3\n", "c = 4\n")
