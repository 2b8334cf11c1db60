"""Applying by text search gives exactly what the general line-based applier gives.

`apply_exact` only answers when every chunk matches exactly in a text with one
line ending; then its new text and regions must equal `apply_by_lines`'s. Random
documents with repeated lines, `@@` headers, end-of-file chunks, pure insertions
and near-miss (tolerant) lines exercise the cases where the two could part.
"""

from __future__ import annotations

import random
import time

import pytest

from codex_lsp.patch.apply import PatchApplyError, apply_by_lines, apply_chunks_located
from codex_lsp.patch.exact import apply_exact
from codex_lsp.patch.model import UpdateChunk

WORDS = ["a = 1", "b = 2", "", "return x", "  pass", "c = 3", "def f():", "x"]


def _chunk(rng: random.Random, doc: list[str], at: int) -> tuple[UpdateChunk, int]:
    size = rng.randint(0, 3)
    old = doc[at : at + size]
    if old and rng.random() < 0.15:
        old = [old[0] + "  ", *old[1:]]  # matches only tolerantly (or elsewhere exactly)
    new = [rng.choice(WORDS) + rng.choice(["", " # new"]) for _ in range(rng.randint(0, 3))]
    context = doc[at - 1] if at > 0 and rng.random() < 0.3 else None
    eof = bool(old) and at + size == len(doc) and rng.random() < 0.5
    return UpdateChunk(context, old, new, is_end_of_file=eof), at + max(size, 1)


def _random_case(rng: random.Random, eol: str) -> tuple[str, list[UpdateChunk]]:
    doc = [rng.choice(WORDS) for _ in range(rng.randint(0, 40))]
    chunks, at = [], 0
    while at <= len(doc) and len(chunks) < 6:
        at += rng.randint(0, 6)
        if at > len(doc):
            break
        chunk, at = _chunk(rng, doc, at)
        chunks.append(chunk)
    return "".join(line + eol for line in doc), chunks or [UpdateChunk(None, [], ["tail"])]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_exact_application_equals_the_general_one(eol: str) -> None:
    rng = random.Random(131)
    answered = 0
    for _ in range(3000):
        text, chunks = _random_case(rng, eol)
        exact = apply_exact(text, chunks)
        try:
            general = apply_by_lines(text, chunks)
        except PatchApplyError:
            assert exact is None
            continue
        if exact is not None:
            answered += 1
            assert exact == general
    assert answered > 1000  # the fast path is the usual one


@pytest.mark.parametrize("text", ["a\nb", "a\r\nb\n", "a\rb\n"])
def test_texts_with_mixed_or_missing_line_endings_take_the_general_path(text: str) -> None:
    assert apply_exact(text, [UpdateChunk(None, ["a"], ["A"])]) is None


def test_an_edit_of_a_big_file_is_not_split_and_joined() -> None:
    """One edit of 200,000 lines: text search and one splice, several times cheaper."""
    n = 200_000
    text = "".join(f"value_{i:07d} = {i}\n" for i in range(n))
    chunk = UpdateChunk(None, [f"value_{n // 2:07d} = {n // 2}"], ["changed = 1"])
    timings = []
    for apply in (apply_chunks_located, apply_by_lines):
        started = time.perf_counter()
        for _ in range(5):
            new, changes = apply(text, [chunk])
        timings.append((time.perf_counter() - started) / 5)
        assert changes is not None and "\nchanged = 1\n" in new
    print(f"FIGURES patch_exact: one edit of 200,000 lines {timings[0] * 1000:.1f} ms "
          f"(split and join: {timings[1] * 1000:.1f} ms)")
    assert timings[0] * 2 < timings[1]
