"""The change of a patch, from where its chunks applied, equals the whole-text diff's.

`RegionDiff` never looks at the unchanged lines (a one-line edit of a 10 MB file
costs one line); these tests hold it to the answers of the whole-text `FileDiff`:
the same hunks, diff, counts, and text edits that produce the new text.
"""

from __future__ import annotations

import random
import time

import pytest

from codex_lsp.core.protocol import LineChanges
from codex_lsp.edits.file_diff import FileDiff, RegionDiff, file_diff
from codex_lsp.edits.hunks import apply_hunks, hunk_outcomes
from codex_lsp.edits.text_edits import apply_text_edits
from codex_lsp.patch import FileChange, derive_changes, parse_patch


def _derive(old: str, body: str) -> FileChange:
    patch = parse_patch(f"*** Begin Patch\n*** Update File: f.py\n{body}*** End Patch\n")
    [change] = derive_changes(patch, lambda _name: old)
    return change


def _random_patch(rng: random.Random, n: int, eol: str) -> tuple[str, str]:
    """A document of `n` unique lines and a patch of a few non-overlapping chunks."""
    old = "".join(f"line {i}{eol}" for i in range(n))
    body: list[str] = []
    line = 0
    while line < n:
        line += rng.randint(0, 12) if body else rng.randint(0, n - 1)
        if line >= n:
            break
        removed = rng.randint(0, 3)
        if removed == 0 and line == 0:
            removed = 1
        ctx = [f" line {line - 1}"] if line > 0 else []
        old_part = [f"-line {i}" for i in range(line, min(n, line + removed))]
        new_part = [f"+new {line}.{k}" for k in range(rng.randint(0, 3))]
        if not old_part and not new_part:
            new_part = [f"+new {line}"]
        body.append("@@\n" + "\n".join([*ctx, *old_part, *new_part]) + "\n")
        line += removed + 1
    return old, "".join(body)


def _check_same(old: str, change: FileChange) -> None:
    new = change.new_text or ""
    assert change.changes is not None
    fast, slow = file_diff(old, new, change.changes), FileDiff(old, new)
    assert isinstance(fast, RegionDiff)
    assert fast.hunks() == slow.hunks()
    assert fast.counts() == slow.counts()
    for context in (0, 1, 3):
        assert fast.unified("a/f.py", "b/f.py", context) == slow.unified("a/f.py", "b/f.py", context)
    assert apply_text_edits(old, fast.text_edits()) == new
    hunks = fast.hunks()
    keep = [h.index for h in hunks if h.index % 2 == 0]
    assert apply_hunks(old, new, keep, hunks) == apply_hunks(old, new, keep)
    assert hunk_outcomes(old, new, keep, hunks) == hunk_outcomes(old, new, keep)


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_random_patches_match_the_whole_text_diff(eol: str) -> None:
    rng = random.Random(13)
    for _ in range(150):
        old, body = _random_patch(rng, rng.randint(1, 60), eol)
        _check_same(old, _derive(old, body))


def test_insertion_at_the_end_and_a_deletion_at_the_start() -> None:
    old = "a\nb\nc\n"
    _check_same(old, _derive(old, "@@\n-a\n b\n@@\n c\n+d\n+e\n"))


def test_touching_chunks_are_one_hunk() -> None:
    old = "".join(f"{i}\n" for i in range(10))
    change = _derive(old, "@@\n-3\n+three\n@@\n-4\n+four\n")
    assert change.changes is not None
    assert len(change.changes.regions) == 1
    _check_same(old, change)


def test_a_chunk_that_changes_nothing_has_no_region() -> None:
    old = "a\nb\nc\n"
    change = _derive(old, "@@\n a\n-b\n+b\n c\n")
    assert change.changes == LineChanges(3, ())
    assert file_diff(old, change.new_text or "", change.changes).unified("a", "b") == ""


def test_context_matched_tolerantly_keeps_the_file_text() -> None:
    old = "def f():  \n    return 1\n"
    _check_same(old, _derive(old, "@@\n def f():\n-    return 1\n+    return 2\n"))


@pytest.mark.parametrize(
    "old",
    [
        "a\nb\nc",  # no final newline: the result gains one
        "a\r\nb\nc\r\n",  # mixed line endings: the result rewrites them
        "a\rb\nc\n",  # a lone CR is a line break to LSP but not to git
    ],
)
def test_texts_the_result_rewrites_outside_the_chunks_get_the_diff(old: str) -> None:
    change = _derive(old, "@@\n-c\n+C\n")
    assert change.changes is None
    assert file_diff(old, change.new_text or "").text_edits()


def test_one_hunk_in_a_big_file_costs_the_change_not_the_file() -> None:
    """Hunks, diff and edits of a one-line change: about as fast at 10 MB as at 10 KB."""
    timings = []
    for n in (200, 200_000):
        old = "".join(f"value_{i:07d} = {i}  # a line of the document\n" for i in range(n))
        change = _derive(old, f"@@\n-value_{n // 2:07d} = {n // 2}  # a line of the document\n"
                              f"+value_{n // 2:07d} = 0  # changed\n")
        assert change.changes is not None
        started = time.perf_counter()
        for _ in range(20):
            diff = file_diff(old, change.new_text or "", change.changes)
            diff.hunks(), diff.counts(), diff.unified("a", "b"), diff.text_edits()
        timings.append(time.perf_counter() - started)
    print(f"FIGURES file_diff: 20 one-line reviews at 200 lines {timings[0] * 1000:.1f} ms, "
          f"at 200,000 lines {timings[1] * 1000:.1f} ms")
    assert timings[1] < max(10 * timings[0], 0.05)
