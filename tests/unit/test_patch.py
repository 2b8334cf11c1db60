"""Tests for codex_lsp.patch: parser, tolerant seeking, derive_changes, summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from codex_lsp.patch import (
    AddFile,
    DeleteFile,
    FileChange,
    Patch,
    PatchApplyError,
    PatchParseError,
    UpdateChunk,
    UpdateFile,
    derive_changes,
    parse_patch,
    summarize,
)
from codex_lsp.patch.apply import apply_chunks, split_file_lines
from codex_lsp.patch.seek import normalise_punctuation, seek_sequence

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "patch"


# --------------------------------------------------------------------------- fixtures


def _read_tree(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes().decode("utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _apply_to_tree(files: dict[str, str], changes: list[FileChange]) -> dict[str, str]:
    result = dict(files)
    for change in changes:
        if change.kind == "delete":
            del result[change.path]
        elif change.kind == "add":
            assert change.new_text is not None
            result[change.path] = change.new_text
        else:
            assert change.new_text is not None
            if change.move_to:
                del result[change.path]
                result[change.move_to] = change.new_text
            else:
                result[change.path] = change.new_text
    return result


def _run_patch(patch_text: str, files: dict[str, str]) -> dict[str, str]:
    def read_text(path: str) -> str:
        if path not in files:
            raise FileNotFoundError(path)
        return files[path]

    return _apply_to_tree(files, derive_changes(parse_patch(patch_text), read_text))


SCENARIOS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


def test_fixture_scenarios_exist() -> None:
    assert len(SCENARIOS) >= 25


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_fixture_scenario(scenario: Path) -> None:
    patch_text = (scenario / "patch.txt").read_bytes().decode("utf-8")
    files = _read_tree(scenario / "input")
    error_file = scenario / "error.txt"
    if error_file.exists():
        expected_error = error_file.read_text(encoding="utf-8").strip()
        with pytest.raises((PatchParseError, PatchApplyError)) as info:
            _run_patch(patch_text, files)
        assert expected_error in str(info.value)
    else:
        assert _run_patch(patch_text, files) == _read_tree(scenario / "expected")


# --------------------------------------------------------------------------- parser


def test_parse_all_operations() -> None:
    patch = parse_patch(
        "*** Begin Patch\n"
        "*** Add File: path/add.py\n"
        "+abc\n"
        "+def\n"
        "*** Delete File: path/delete.py\n"
        "*** Update File: path/update.py\n"
        "*** Move to: path/update2.py\n"
        "@@ def f():\n"
        "-    pass\n"
        "+    return 123\n"
        "*** End Patch"
    )
    assert patch == Patch(
        ops=[
            AddFile(path="path/add.py", content="abc\ndef\n"),
            DeleteFile(path="path/delete.py"),
            UpdateFile(
                path="path/update.py",
                move_to="path/update2.py",
                chunks=[
                    UpdateChunk(
                        change_context="def f():",
                        old_lines=["    pass"],
                        new_lines=["    return 123"],
                        is_end_of_file=False,
                    )
                ],
            ),
        ]
    )


def test_parse_absolute_paths_are_allowed() -> None:
    patch = parse_patch("*** Begin Patch\n*** Delete File: /etc/passwd\n*** End Patch\n")
    assert patch.ops == [DeleteFile(path="/etc/passwd")]


def test_parse_first_hunk_without_header_and_eof_marker() -> None:
    patch = parse_patch(
        "*** Begin Patch\n*** Update File: f\n import foo\n+bar\n*** End of File\n*** End Patch"
    )
    op = patch.ops[0]
    assert isinstance(op, UpdateFile)
    assert op.chunks == [
        UpdateChunk(None, ["import foo"], ["import foo", "bar"], is_end_of_file=True)
    ]


def test_parse_second_hunk_requires_header_after_end_of_file() -> None:
    text = "*** Begin Patch\n*** Update File: f\n-a\n+b\n*** End of File\n-c\n*** End Patch"
    with pytest.raises(PatchParseError) as info:
        parse_patch(text)
    assert info.value.line_number == 6
    assert "expected '@@'" in str(info.value)


def test_parse_empty_lines_inside_hunk_are_context_but_trailing_ones_separate() -> None:
    patch = parse_patch(
        "*** Begin Patch\n*** Update File: f\n@@\n a\n\n-b\n+c\n\n\n@@ x\n-y\n\n*** End Patch\n"
    )
    op = patch.ops[0]
    assert isinstance(op, UpdateFile)
    assert op.chunks[0].old_lines == ["a", "", "b"]
    assert op.chunks[0].new_lines == ["a", "", "c"]
    assert op.chunks[1] == UpdateChunk("x", ["y"], [])


def test_parse_stacked_headers() -> None:
    patch = parse_patch(
        "*** Begin Patch\n*** Update File: f\n@@ class A\n@@ def run\n-x\n+y\n*** End Patch"
    )
    op = patch.ops[0]
    assert isinstance(op, UpdateFile)
    assert op.chunks == [UpdateChunk("def run", ["x"], ["y"], outer_contexts=("class A",))]


def test_parse_unified_diff_header() -> None:
    patch = parse_patch(
        "*** Begin Patch\n*** Update File: f\n@@ -1,2 +1,2 @@\n-x\n+y\n*** End Patch"
    )
    op = patch.ops[0]
    assert isinstance(op, UpdateFile)
    assert op.chunks[0].change_context is None


def test_parse_add_file_blank_lines_between_plus_lines() -> None:
    patch = parse_patch("*** Begin Patch\n*** Add File: a\n+x\n\n+y\n\n*** End Patch\n")
    assert patch.ops == [AddFile("a", "x\n\ny\n")]


def test_parse_empty_add_file() -> None:
    patch = parse_patch("*** Begin Patch\n*** Add File: empty.txt\n*** End Patch\n")
    assert patch.ops == [AddFile("empty.txt", "")]


@pytest.mark.parametrize(
    "wrapper",
    [
        "<<'EOF'\n{}\nEOF\n",
        '<<"EOF"\n{}\nEOF',
        "<<EOF\n{}\nEOF\n",
        "apply_patch <<'PATCH'\n{}\nPATCH\n",
        "\n\n   {}   \n\n",
        "```\n{}\n```\n",
        "\ufeff{}",
    ],
)
def test_parse_lenient_wrappers(wrapper: str) -> None:
    body = "*** Begin Patch\n*** Add File: a\n+x\n*** End Patch"
    assert parse_patch(wrapper.format(body)).ops == [AddFile("a", "x\n")]


def test_parse_crlf_patch_text() -> None:
    text = "*** Begin Patch\r\n*** Update File: f\r\n@@\r\n-a\r\n+b\r\n*** End Patch\r\n"
    op = parse_patch(text).ops[0]
    assert isinstance(op, UpdateFile)
    assert op.chunks[0] == UpdateChunk(None, ["a"], ["b"])


def test_context_line_starting_with_stars_is_not_a_header() -> None:
    patch = parse_patch(
        "*** Begin Patch\n*** Update File: f\n@@\n *** Add File: x\n-a\n+b\n*** End Patch"
    )
    op = patch.ops[0]
    assert isinstance(op, UpdateFile)
    assert op.chunks[0].old_lines == ["*** Add File: x", "a"]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("", 1, "empty patch"),
        ("   \n\n", 1, "empty patch"),
        ("hello\n", 1, "expected '*** Begin Patch', got 'hello'"),
        ("*** Begin Patch\n", 2, "expected '*** End Patch', got end of input"),
        ("*** Begin Patch\n*** End Patch\n", 2, "no file operations"),
        ("*** Begin Patch\n*** Add File: a\n+x\n", 3, "'*** End Patch' as the last line"),
        ("*** Begin Patch\n*** Add File:   \n*** End Patch", 2, "missing path"),
        ("*** Begin Patch\n*** Add File: a\nx\n*** End Patch", 3, "start with '+'"),
        ("*** Begin Patch\n*** Update File: a\n*** End Patch", 2, "has no hunks"),
        ("*** Begin Patch\n*** Update File: a\n@@ ctx\n*** End Patch", 3, "hunk has no lines"),
        ("*** Begin Patch\n*** Update File: a\n@@\n-x\n\tbad\n*** End Patch", 5, "got '\tbad'"),
        ("*** Begin Patch\n*** Update File: a\n*** End of File\n*** End Patch", 3, "must follow"),
        (
            "*** Begin Patch\n*** Delete File: a\n*** End Patch\n*** Delete File: b\n*** End Patch",
            3,
            "must be the last line",
        ),
        ("<<'EOF'\n*** Begin Patch\n*** Delete File: a\n*** End Patch\n", 4, "heredoc"),
        (
            "*** Begin Patch\n*** Delete File: a\n\n*** Frob: b\n*** End Patch",
            4,
            "expected '*** Update File:', '*** Add File:', '*** Delete File:' or "
            "'*** End Patch', got '*** Frob: b'",
        ),
    ],
)
def test_parse_errors_carry_line_numbers(text: str, line: int, fragment: str) -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch(text)
    assert info.value.line_number == line
    assert str(info.value).startswith(f"line {line}: ")
    assert fragment in str(info.value)


def test_parse_error_line_numbers_count_wrapper_lines() -> None:
    text = "\n<<'EOF'\n*** Begin Patch\n*** Update File: a\n@@\n?x\n*** End Patch\nEOF\n"
    with pytest.raises(PatchParseError) as info:
        parse_patch(text)
    assert info.value.line_number == 6


# --------------------------------------------------------------------------- seek


def test_seek_exact_then_tolerant_levels() -> None:
    assert seek_sequence(["foo", "bar", "baz"], ["bar", "baz"], 0) == 1
    assert seek_sequence(["foo   ", "bar\t"], ["foo", "bar"], 0) == 0
    assert seek_sequence(["    foo   ", "   bar\t"], ["foo", "bar"], 0) == 0
    assert seek_sequence(["x \u2014 \u201cy\u201d\u00a0z"], ['x - "y" z'], 0) == 0
    assert seek_sequence(["a"], ["b"], 0) is None


def test_seek_prefers_exact_match_over_earlier_tolerant_one() -> None:
    lines = ["  target", "other", "target"]
    assert seek_sequence(lines, ["target"], 0) == 2


def test_seek_respects_start_and_bounds() -> None:
    lines = ["a", "b", "a", "b"]
    assert seek_sequence(lines, ["a", "b"], 1) == 2
    assert seek_sequence(lines, ["a", "b"], 3) is None
    assert seek_sequence(["one"], ["too", "many"], 0) is None
    assert seek_sequence(lines, [], 2) == 2


def test_seek_eof_prefers_end_and_falls_back() -> None:
    lines = ["x", "end", "x", "end"]
    assert seek_sequence(lines, ["x", "end"], 0, eof=True) == 2
    assert seek_sequence(["end", "x", "trailing"], ["end"], 0, eof=True) == 0
    assert seek_sequence(lines, [], 0, eof=True) == 4


def test_normalise_punctuation() -> None:
    assert normalise_punctuation("  \u2018a\u2019 \u2013 \u201eb\u201d\u3000 ") == "'a' - \"b\""


# --------------------------------------------------------------------------- apply


def _patch(body: str) -> Patch:
    return parse_patch(f"*** Begin Patch\n{body}\n*** End Patch\n")


def test_derive_changes_is_pure_and_reads_each_file_once() -> None:
    calls: list[str] = []
    files = {"a.txt": "1\n2\n", "b.txt": "x\n"}

    def read_text(path: str) -> str:
        calls.append(path)
        return files[path]

    patch = _patch(
        "*** Add File: new.txt\n+n\n"
        "*** Update File: a.txt\n@@\n-1\n+one\n"
        "*** Update File: a.txt\n@@\n-2\n+two\n"
        "*** Delete File: b.txt"
    )
    changes = derive_changes(patch, read_text)
    assert calls == ["a.txt", "b.txt"]
    assert files == {"a.txt": "1\n2\n", "b.txt": "x\n"}
    assert changes == [
        FileChange("new.txt", "add", None, "n\n"),
        FileChange("a.txt", "update", "1\n2\n", "one\n2\n"),
        FileChange("a.txt", "update", "one\n2\n", "one\ntwo\n"),
        FileChange("b.txt", "delete", "x\n", None),
    ]


def test_move_onto_an_existing_file_replaces_it_and_keeps_its_text() -> None:
    files = {"src.txt": "a\n", "dst.txt": "precious\n"}
    move = "*** Update File: src.txt\n*** Move to: dst.txt\n@@\n-a\n+b\n"
    changes = derive_changes(_patch(move), _reader(files))
    assert changes == [
        FileChange("dst.txt", "delete", "precious\n", None, replaced_by_move=True),
        FileChange("src.txt", "update", "a\n", "b\n", move_to="dst.txt"),
    ]
    assert summarize(changes) == "Success. Updated the following files:\nM dst.txt\n"
    explicit = derive_changes(_patch("*** Delete File: dst.txt\n" + move), _reader(files))
    assert [(c.kind, c.replaced_by_move) for c in explicit] == [("delete", False), ("update", False)]
    assert "D dst.txt" in summarize(explicit)


def test_add_never_reads_and_move_makes_source_missing() -> None:
    def read_text(path: str) -> str:
        if path == "src.txt":
            return "a\n"
        if path == "dst.txt":  # a move target is checked to be absent
            raise FileNotFoundError(path)
        raise AssertionError(f"unexpected read of {path}")

    patch = _patch(
        "*** Add File: exists.txt\n+overwritten\n"
        "*** Update File: src.txt\n*** Move to: dst.txt\n@@\n-a\n+b\n"
        "*** Update File: src.txt\n@@\n-b\n+c"
    )
    with pytest.raises(PatchApplyError) as info:
        derive_changes(patch, read_text)
    assert str(info.value) == "file not found: src.txt"
    assert info.value.path == "src.txt"


def _reader(files: dict[str, str]) -> Callable[[str], str]:
    def read_text(path: str) -> str:
        if path not in files:
            raise FileNotFoundError(path)
        return files[path]

    return read_text


def test_update_after_move_sees_moved_text() -> None:
    patch = _patch(
        "*** Update File: src.txt\n*** Move to: dst.txt\n@@\n-a\n+b\n"
        "*** Update File: dst.txt\n@@\n-b\n+c"
    )
    changes = derive_changes(patch, _reader({"src.txt": "a\n"}))
    assert changes[0] == FileChange("src.txt", "update", "a\n", "b\n", move_to="dst.txt")
    assert changes[1] == FileChange("dst.txt", "update", "b\n", "c\n")


def test_missing_file_error_and_other_read_errors() -> None:
    def missing(path: str) -> str:
        raise FileNotFoundError(path)

    with pytest.raises(PatchApplyError, match=r"^file not found: x\.py$"):
        derive_changes(_patch("*** Update File: x.py\n@@\n-a\n+b"), missing)

    def denied(path: str) -> str:
        raise PermissionError("denied")

    with pytest.raises(PatchApplyError, match=r"^x\.py: could not read file: denied$"):
        derive_changes(_patch("*** Delete File: x.py"), denied)


def test_hunk_mismatch_error_names_file_and_hunk() -> None:
    patch = _patch(
        "*** Update File: hello.py\n@@\n-a = 1\n+a = 2\n@@\n     return x\n-    y\n+    z"
    )
    with pytest.raises(PatchApplyError) as info:
        derive_changes(patch, {"hello.py": "a = 1\nb = 2\n"}.__getitem__)
    assert str(info.value) == (
        "hello.py: hunk 2 did not match: could not find lines starting with '    return x'"
    )
    assert (info.value.path, info.value.hunk) == ("hello.py", 2)


def test_context_header_mismatch_error() -> None:
    patch = _patch("*** Update File: f.py\n@@ def nowhere():\n-a\n+b")
    with pytest.raises(PatchApplyError) as info:
        derive_changes(patch, {"f.py": "a\n"}.__getitem__)
    assert str(info.value) == (
        "f.py: hunk 1 did not match: could not find the context line '@@ def nowhere():'"
    )


def test_apply_chunks_trailing_newline_and_line_endings() -> None:
    chunk = UpdateChunk(None, ["b"], ["B"])
    assert apply_chunks("a\nb", [chunk]) == "a\nB\n"
    assert apply_chunks("a\r\nb\r\n", [chunk]) == "a\r\nB\r\n"
    assert apply_chunks("a\nb\n", [UpdateChunk(None, ["a", "b"], [])]) == ""


def test_apply_trailing_empty_context_stands_for_final_newline() -> None:
    chunk = UpdateChunk(None, ["last", ""], ["LAST", ""])
    assert apply_chunks("first\nlast\n", [chunk]) == "first\nLAST\n"


def test_split_file_lines() -> None:
    assert split_file_lines("a\r\nb\r\n") == (["a", "b"], "\r\n")
    assert split_file_lines("a\nb") == (["a", "b"], "\n")
    assert split_file_lines("") == ([], "\n")


def test_summarize_matches_codex_output() -> None:
    changes = [
        FileChange("old.py", "delete", "x\n", None),
        FileChange("new.py", "add", None, "y\n"),
        FileChange("hello.py", "update", "a\n", "b\n"),
        FileChange("hello.py", "update", "b\n", "c\n"),
        FileChange("src.py", "update", "a\n", "a\n", move_to="dst.py"),
    ]
    assert summarize(changes) == (
        "Success. Updated the following files:\nA new.py\nM hello.py\nM dst.py\nD old.py\n"
    )
    assert summarize([]) == "No files were modified.\n"


def test_tolerantly_matched_context_lines_keep_file_text() -> None:
    # Codex would rewrite the context line with the patch's ASCII text; we keep the file's.
    text = "say \u201chi\u201d   \nold\n"
    chunk = UpdateChunk(None, ['say "hi"', "old"], ['say "hi"', "new"])
    assert apply_chunks(text, [chunk]) == "say \u201chi\u201d   \nnew\n"
