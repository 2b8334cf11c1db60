"""Code intelligence, the pure part: which problems an edit introduced, how answers read
(the engine with a real `ruff server`: tests/integration/test_intel.py)."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.intel.diagnostics import Diagnostic, introduced

# ---- which problems an edit introduced (pure) ----------------------------------------


def _diag(line: int, message: str, severity: str = "error") -> Diagnostic:
    return Diagnostic(Path("/w/a.py"), line, 1, severity, message)


def test_a_problem_that_only_moved_down_is_not_new() -> None:
    old = "x = undefined\n"
    new = "import sys\nx = undefined\ny = other\n"
    before = [_diag(1, "undefined name")]
    after = [_diag(2, "undefined name"), _diag(3, "undefined name"), _diag(1, "unused")]
    fresh, kept = introduced(before, after, old, new)
    assert kept == [_diag(2, "undefined name")]
    assert fresh == [_diag(3, "undefined name"), _diag(1, "unused")]


def test_the_same_problem_twice_counts_once_per_occurrence() -> None:
    old = "f()\n"
    new = "f()\nf()\n"
    fresh, kept = introduced([_diag(1, "m")], [_diag(1, "m"), _diag(2, "m")], old, new)
    assert (len(fresh), len(kept)) == (1, 1)


# ---- how answers read (pure) -----------------------------------------------------------


def test_locations_show_workspace_lines_and_count_the_rest(tmp_path: Path) -> None:
    from codex_lsp.core.workspace import Workspace
    from codex_lsp.intel import format as fmt

    (tmp_path / "a.py").write_text("x = 1\ndef f():\n    pass\n")
    ws = Workspace([tmp_path])
    inside = (tmp_path / "a.py").as_uri()
    answer = [
        {"uri": inside, "range": {"start": {"line": 1, "character": 4}}},
        {"targetUri": inside, "targetSelectionRange": {"start": {"line": 0, "character": 0}}},
        {"uri": "file:///usr/lib/python3/os.py", "range": {"start": {"line": 9, "character": 0}}},
    ]
    text = fmt.locations(answer, ws, lambda p: p.read_text())
    assert text.splitlines() == [
        "a.py:2:5: def f():",
        "a.py:1:1: x = 1",
        "(1 location(s) outside the workspace, not shown)",
    ]
    assert fmt.locations(None, ws, lambda p: None) == "No locations found."


def test_hover_and_outline_read_as_text() -> None:
    from codex_lsp.intel import format as fmt

    assert fmt.hover({"contents": {"kind": "markdown", "value": "`int`"}}) == "`int`"
    assert fmt.hover({"contents": ["a", {"language": "py", "value": "b"}]}) == "a\n\nb"
    assert fmt.hover(None) == "No information at this position."
    outline = [
        {
            "name": "C",
            "kind": 5,
            "range": {"start": {"line": 0}, "end": {"line": 3}},
            "children": [{"name": "m", "kind": 6, "range": {"start": {"line": 1}, "end": {"line": 2}}}],
        }
    ]
    assert fmt.document_symbols(outline) == "class C  L1-4\n  method m  L2-3"


def test_a_diagnostic_without_severity_is_an_error() -> None:
    d = Diagnostic.from_lsp(Path("/w/a.py"), {"range": {"start": {"line": 2, "character": 3}}, "message": "bad\n  detail", "code": 7})
    assert (d.line, d.column, d.severity, d.code) == (3, 4, "error", "7")
    assert d.describe(lambda p: p.name) == "a.py:3:4: error: bad detail [7]"
