"""Tests for codex_lsp.edits: unified diffs, hunks, minimal LSP text edits."""

from __future__ import annotations

import difflib
import random
import re
import time

import pytest

from codex_lsp.edits import (
    Hunk,
    LineIndex,
    TextEditSpec,
    apply_hunks,
    apply_text_edits,
    compute_hunks,
    count_changes,
    minimal_text_edits,
    offset_at,
    position_at,
    unified_diff,
    utf16_len,
)
from codex_lsp.edits.lines import split_lines, split_lsp_lines

WORDS = ["alpha", "beta", "gamma", "delta", "", "    return x", "}", "😀 emoji", "naïve"]


def _random_text(rng: random.Random, max_lines: int = 30) -> str:
    lines = [rng.choice(WORDS) + str(rng.randint(0, 5)) for _ in range(rng.randint(0, max_lines))]
    text = "\n".join(lines)
    if lines and rng.random() < 0.7:
        text += "\n"
    return text


def _mutate(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 5)):
        pos = rng.randint(0, len(lines))
        roll = rng.random()
        if roll < 0.35:
            lines.insert(pos, rng.choice(WORDS) + "new")
        elif roll < 0.65 and lines:
            del lines[min(pos, len(lines) - 1)]
        elif lines:
            lines[min(pos, len(lines) - 1)] += " changed"
    return "\n".join(lines)


# --------------------------------------------------------------------------- unified diff


def test_unified_diff_shape() -> None:
    old = "a\nb\nc\nd\ne\nf\ng\nh\n"
    new = "a\nB\nc\nd\ne\nf\ng\nh\nI\n"
    assert unified_diff(old, new, "a/x.txt", "b/x.txt", context=1) == (
        "--- a/x.txt\n+++ b/x.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -8 +8,2 @@\n h\n+I\n"
    )


def test_unified_diff_matches_difflib_on_simple_input() -> None:
    old = "".join(f"line {i}\n" for i in range(40))
    new = old.replace("line 7\n", "line seven\n").replace("line 30\n", "")
    expected = "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), "a/f", "b/f"
        )
    )
    assert unified_diff(old, new, "a/f", "b/f") == expected


def test_unified_diff_no_newline_at_end() -> None:
    assert unified_diff("a\nb", "a\nc", "a/f", "b/f") == (
        "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n"
        "+c\n\\ No newline at end of file\n"
    )
    assert unified_diff("a", "a\n", "a/f", "b/f") == (
        "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"
    )


def test_unified_diff_add_delete_and_equal() -> None:
    assert unified_diff("same\n", "same\n", "a/f", "b/f") == ""
    assert unified_diff("", "x\ny\n", "/dev/null", "b/new") == (
        "--- /dev/null\n+++ b/new\n@@ -0,0 +1,2 @@\n+x\n+y\n"
    )
    assert unified_diff("x\n", "", "a/old", "/dev/null") == (
        "--- a/old\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
    )


def test_count_changes() -> None:
    assert count_changes("a\nb\nc\n", "a\nB\nc\nd\n") == (2, 1)
    assert count_changes("", "") == (0, 0)
    assert count_changes("x\n", "") == (0, 1)


def test_split_lines_helpers() -> None:
    assert split_lines("a\r\nb\nc") == ["a\r\n", "b\n", "c"]
    assert split_lines("") == []
    assert split_lsp_lines("a\r\nb\rc\n\n") == ["a\r\n", "b\r", "c\n", "\n"]


# --------------------------------------------------------------------------- hunks


def test_compute_hunks_basic() -> None:
    old = "a\nb\nc\nd\n"
    new = "a\nB\nc\nd\ne\n"
    assert compute_hunks(old, new) == [
        Hunk(0, 1, ["b\n"], ["B\n"]),
        Hunk(1, 4, [], ["e\n"]),
    ]
    assert compute_hunks(old, old) == []


def test_apply_hunks_all_none_and_subset() -> None:
    old = "a\nb\nc\nd\n"
    new = "A\nb\nc\nD\n"
    assert apply_hunks(old, new, [0, 1]) == new
    assert apply_hunks(old, new, []) == old
    assert apply_hunks(old, new, [0]) == "A\nb\nc\nd\n"
    assert apply_hunks(old, new, [1]) == "a\nb\nc\nD\n"
    assert apply_hunks(old, new, [1, 99]) == "a\nb\nc\nD\n"


_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _apply_diff_blocks(old: str, diff: str, accepted: set[int]) -> str:
    """Reference applier: apply the accepted ``@@`` blocks of a context-0 unified diff."""
    lines = split_lines(old)
    out: list[str] = []
    copied = 0
    block = -1
    diff_lines = diff.splitlines(keepends=True)[2:]
    i = 0
    while i < len(diff_lines):
        match = _HEADER.match(diff_lines[i])
        assert match is not None
        block += 1
        start, count = int(match.group(1)), int(match.group(2) or 1)
        first = start - 1 if count else start
        i += 1
        removed: list[str] = []
        added: list[str] = []
        while i < len(diff_lines) and not diff_lines[i].startswith("@@"):
            line = diff_lines[i]
            i += 1
            if line.startswith("\\"):
                target = added if added and diff_lines[i - 2].startswith("+") else removed
                target[-1] = target[-1][:-1]
            elif line.startswith("-"):
                removed.append(line[1:])
            elif line.startswith("+"):
                added.append(line[1:])
        out.extend(lines[copied:first])
        out.extend(added if block in accepted else removed)
        copied = first + len(removed)
    out.extend(lines[copied:])
    return "".join(out)


def test_hunks_agree_with_context0_diff_and_subsets_apply() -> None:
    rng = random.Random(20240501)
    for _ in range(150):
        old = _random_text(rng)
        new = _mutate(rng, old)
        hunks = compute_hunks(old, new)
        diff = unified_diff(old, new, "a/f", "b/f", context=0)
        assert len(re.findall(r"^@@ ", diff, re.M)) == len(hunks)
        assert all(h.old_lines or h.new_lines for h in hunks)
        assert [h.index for h in hunks] == list(range(len(hunks)))
        assert apply_hunks(old, new, range(len(hunks))) == new
        assert apply_hunks(old, new, []) == old
        for _ in range(4):
            subset = {i for i in range(len(hunks)) if rng.random() < 0.5}
            result = apply_hunks(old, new, subset)
            assert result == _apply_diff_blocks(old, diff, subset)


def test_hunk_line_numbers_match_diff_headers() -> None:
    old = "".join(f"{i}\n" for i in range(20))
    new = old.replace("3\n", "three\n").replace("15\n", "").replace("19\n", "19\n20\n")
    hunks = compute_hunks(old, new)
    diff = unified_diff(old, new, "a", "b", context=0)
    starts = [int(m.group(1)) for m in re.finditer(r"^@@ -(\d+)", diff, re.M)]
    assert [h.old_start + 1 if h.old_lines else h.old_start for h in hunks] == starts


# --------------------------------------------------------------------------- text edits


def _roundtrip(old: str, new: str) -> list[TextEditSpec]:
    edits = minimal_text_edits(old, new)
    assert apply_text_edits(old, edits) == new
    index = LineIndex(old)
    previous = (-1, -1)
    for edit in edits:
        start = index.offset_at(edit.start_line, edit.start_character)
        end = index.offset_at(edit.end_line, edit.end_character)
        assert start <= end
        assert (start, end) > previous
        previous = (start, end)
        # Positions are exact (round-trip), never clamped or inside a CRLF.
        assert index.position_at(start) == (edit.start_line, edit.start_character)
        assert index.position_at(end) == (edit.end_line, edit.end_character)
        assert not (0 < start < len(old) and old[start - 1 : start + 1] == "\r\n")
        assert not (0 < end < len(old) and old[end - 1 : end + 1] == "\r\n")
    return edits


def test_minimal_edits_round_trip_random() -> None:
    rng = random.Random(7)
    for _ in range(300):
        old = _random_text(rng)
        new = _mutate(rng, old)
        if rng.random() < 0.3:
            new = new.replace("\n", "\r\n")
        if rng.random() < 0.2:
            old = old.replace("\n", "\r\n")
        _roundtrip(old, new)


def test_minimal_edits_round_trip_character_soup() -> None:
    rng = random.Random(11)
    alphabet = ["a", "b", "\n", "\r\n", "\r", "😀", "é", " ", "\u2028"]
    for _ in range(1500):
        old = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        chars = list(old)
        for _ in range(rng.randint(0, 4)):
            pos = rng.randint(0, len(chars))
            if rng.random() < 0.5:
                chars.insert(pos, rng.choice(alphabet))
            elif chars:
                del chars[min(pos, len(chars) - 1)]
        _roundtrip(old, "".join(chars))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", ""),
        ("", "hello\n"),
        ("hello\n", ""),
        ("no newline", "no newline\n"),
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\nb\n", "a\r\nb\r\n"),
        ("x\r\ny\r\n", "x\r\nz\r\n"),
        ("😀😀\n", "😀🎉😀\n"),
        ("a\rb\rc", "a\rB\rc"),
    ],
)
def test_minimal_edits_edge_cases(old: str, new: str) -> None:
    edits = _roundtrip(old, new)
    assert (edits == []) == (old == new)


def test_minimal_edits_utf16_columns() -> None:
    assert minimal_text_edits("😀a\n", "😀b\n") == [TextEditSpec(0, 2, 0, 3, "b")]
    assert minimal_text_edits("x\r\ny\r\n", "x\r\nz\r\n") == [TextEditSpec(1, 0, 1, 1, "z")]


def test_minimal_edits_not_whole_file() -> None:
    old = "one\ntwo\nthree\nfour\n"
    new = "one\nTWO\nthree\nfour!\n"
    assert minimal_text_edits(old, new) == [
        TextEditSpec(1, 0, 1, 3, "TWO"),
        TextEditSpec(3, 4, 3, 4, "!"),
    ]
    assert minimal_text_edits("abc", "xyz") == [TextEditSpec(0, 0, 0, 3, "xyz")]


def test_one_line_change_in_10000_line_document() -> None:
    lines = [f"line {i}: some text 😀\n" for i in range(10_000)]
    old = "".join(lines)
    lines[5_000] = "line 5000: SOME text 😀\n"
    new = "".join(lines)
    edits = minimal_text_edits(old, new)
    assert edits == [TextEditSpec(5_000, 11, 5_000, 15, "SOME")]
    assert apply_text_edits(old, edits) == new


def test_large_document_is_fast() -> None:
    lines = [f"    value_{i} = compute({i}, 'text')\n" for i in range(60_000)]  # ~2 MB
    old = "".join(lines)
    lines[10] = "changed\n"
    lines[-10] = "also changed\n"
    new = "".join(lines)
    started = time.perf_counter()
    edits = minimal_text_edits(old, new)
    assert time.perf_counter() - started < 5.0
    assert len(edits) == 2
    assert apply_text_edits(old, edits) == new


def test_apply_text_edits_order_and_errors() -> None:
    text = "abc\ndef\n"
    inserts = [TextEditSpec(0, 1, 0, 1, "X"), TextEditSpec(0, 1, 0, 1, "Y")]
    assert apply_text_edits(text, inserts) == "aXYbc\ndef\n"
    reversed_order = [TextEditSpec(1, 0, 1, 3, "DEF"), TextEditSpec(0, 0, 0, 1, "A")]
    assert apply_text_edits(text, reversed_order) == "Abc\nDEF\n"
    with pytest.raises(ValueError, match="overlaps"):
        apply_text_edits(text, [TextEditSpec(0, 0, 0, 2, ""), TextEditSpec(0, 1, 0, 3, "")])
    with pytest.raises(ValueError, match="ends before"):
        apply_text_edits(text, [TextEditSpec(1, 0, 0, 0, "")])
    assert apply_text_edits(text, []) == text


def test_offset_at_and_position_at() -> None:
    text = "a😀b\r\nsecond\rthird\nlast"
    assert offset_at(text, 0, 0) == 0
    assert offset_at(text, 0, 1) == 1
    assert offset_at(text, 0, 3) == 2  # after the emoji (2 UTF-16 units)
    assert offset_at(text, 0, 2) == 1  # inside the surrogate pair: rounded down
    assert offset_at(text, 0, 99) == 3  # clamped to the end of the line content
    assert offset_at(text, 1, 0) == 5
    assert offset_at(text, 2, 0) == 12
    assert offset_at(text, 3, 2) == 20
    assert offset_at(text, 99, 0) == len(text)
    assert offset_at(text, -1, 5) == 0
    assert position_at(text, 2) == (0, 3)
    assert position_at(text, 12) == (2, 0)
    assert position_at(text, len(text)) == (3, 4)
    assert utf16_len("a😀") == 3


def test_many_in_place_changes_give_one_hunk_and_one_edit_each() -> None:
    """Same-length edits (every hunk of a typical patch) take the linear path."""
    from codex_lsp.edits.hunks import compute_hunks
    from codex_lsp.edits.text_edits import apply_text_edits, minimal_text_edits

    old_lines = [f"value_{i} = {i}\n" for i in range(12_000)]
    new_lines = list(old_lines)
    changed = list(range(5, 12_000, 12))
    for i in changed:
        new_lines[i] = f"value_{i} = {i + 1}\n"
    old, new = "".join(old_lines), "".join(new_lines)
    hunks = compute_hunks(old, new)
    assert [h.old_start for h in hunks] == changed
    edits = minimal_text_edits(old, new)
    assert len(edits) == len(changed)
    assert apply_text_edits(old, edits) == new


def test_shifted_lines_still_diff_minimally() -> None:
    """A deletion plus an insertion keeps the length but is not an in-place edit."""
    from codex_lsp.edits.hunks import compute_hunks

    old = "".join(f"line {i}\n" for i in range(40))
    lines = old.splitlines(keepends=True)
    new = "".join(lines[:3] + lines[4:30] + ["inserted\n"] + lines[30:])
    hunks = compute_hunks(old, new)
    assert [(h.old_lines, h.new_lines) for h in hunks] == [(["line 3\n"], []), ([], ["inserted\n"])]
