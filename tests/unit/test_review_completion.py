"""Findings tracking edits, answer parsing, completion trimming and the prefix cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.completion.cache import SuggestionCache
from codex_lsp.completion.context import build_context
from codex_lsp.completion.trim import trim_completion
from codex_lsp.models.base import ModelRequest
from codex_lsp.models.chat_request import build_body
from codex_lsp.review.findings import Finding, ReviewParseError, extract_json, parse_review
from codex_lsp.review.store import FindingStore, LineChange


def make(start: int, end: int, fid: str = "a", scope: str = "file:x") -> Finding:
    return Finding(fid, "t", "b", 1, 0.5, "/w/x.py", start, end, scope)


def test_findings_move_stretch_and_drop() -> None:
    store = FindingStore()
    store.replace_scope("file:x", [make(5, 6, "a"), make(10, 10, "b")])
    assert store.track("/w/x.py", [LineChange(0, 0, 0, 0, "import os\n")])
    assert [(f.start_line, f.end_line) for f in store.all()] == [(6, 7), (11, 11)]
    store.track("/w/x.py", [LineChange(6, 4, 6, 4, "x\ny\n")])  # new lines inside: stretched
    assert [(f.start_line, f.end_line) for f in store.all()] == [(6, 9), (13, 13)]
    store.track("/w/x.py", [LineChange(12, 0, 13, 5, "z")])  # its lines replaced: dropped
    assert [f.id for f in store.all()] == ["a"]
    assert not store.track("/w/x.py", [LineChange(20, 0, 20, 0, "q")])


def test_whole_document_change_maps_lines() -> None:
    store = FindingStore()
    store.replace_scope("file:x", [make(1, 1, "a"), make(3, 3, "b")])
    old = ["a\n", "b\n", "c\n", "d\n"]
    assert store.track_rewrite("/w/x.py", old, ["new\n", "a\n", "b\n", "C\n", "d\n"])
    assert [(f.id, f.start_line) for f in store.all()] == [("a", 2), ("b", 4)]


def test_next_review_of_the_scope_replaces_and_persists(tmp_path: Path) -> None:
    store = FindingStore()
    store.replace_scope("file:x", [make(1, 1, "a")])
    store.replace_scope("uncommitted", [make(2, 2, "u", "uncommitted")])
    store.replace_scope("file:x", [make(3, 3, "c")])
    assert sorted(f.id for f in store.all()) == ["c", "u"]
    store.save(tmp_path / "t.findings.json")
    again = FindingStore()
    assert again.load(tmp_path / "t.findings.json") == {"/w/x.py"}
    assert sorted(f.id for f in again.all()) == ["c", "u"]
    (tmp_path / "bad.json").write_text("{nope")
    assert again.load(tmp_path / "bad.json") == set()


def test_review_answer_parsing_is_tolerant_with_one_clear_error() -> None:
    answer = (
        'Here you go:\n```json\n{"findings": [{"title": "T", "body": "B", "priority": 9, '
        '"confidence_score": 2, "code_location": {"absolute_file_path": "x.py", '
        '"line_range": {"start": 3, "end": 1}}}]}\n```'
    )
    review = parse_review(answer, "file:x", lambda p: Path("/w") / p)
    (f,) = review.findings
    assert (f.start_line, f.end_line, f.priority, f.confidence) == (2, 2, 3, 1.0)
    outside = parse_review(answer, "file:x", lambda p: None)
    assert outside.findings == []
    with pytest.raises(ReviewParseError, match="not the JSON findings"):
        extract_json("I found no problems.")


def test_chat_structured_output_and_fallback() -> None:
    request = ModelRequest("m", "i", [], output_schema={"type": "object"}, output_schema_name="s")
    body = build_body(request)
    assert body["response_format"]["json_schema"] == {
        "name": "s",
        "schema": {"type": "object"},
        "strict": True,
    }
    assert "response_format" not in build_body(request, response_format=False)


def test_trim_and_context() -> None:
    lines = ["def f(x):\n", "    ret\n", "\n", "print(f(1))\n"]
    ctx = build_context(lines, 1, 7, "a.py", "python", 256)
    assert ctx.prefix.endswith("    ret") and ctx.suffix.startswith("\n\nprint")
    assert trim_completion("```python\nurn x + 1\n```", ctx, 8) == "urn x + 1"
    assert trim_completion("urn x\nprint(f(1))\nmore", ctx, 8) == "urn x"
    mid = build_context(["foo(bar)\n"], 0, 4, "a.py", "python", 256)
    assert trim_completion("x, bar)\nnext", mid, 8) == "x, "
    assert trim_completion("   \n", ctx, 8) == ""


def test_cache_serves_typing_into_a_suggestion() -> None:
    cache = SuggestionCache(size=2)
    cache.put("u", "x = ret", "\n", "urn 1")
    assert cache.get("u", "x = ret", "\n") == "urn 1"
    assert cache.get("u", "x = retur", "\n") == "n 1"
    assert cache.get("u", "x = retz", "\n") is None
    assert cache.get("other", "x = ret", "\n") is None
    cache.put("u", "a", "", "b")
    cache.put("u", "c", "", "d")
    assert cache.get("u", "x = ret", "\n") is None  # evicted (LRU of 2)
