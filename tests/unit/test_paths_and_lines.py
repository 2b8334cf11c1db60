"""One path policy for every reading tool, one LSP line splitter, all-or-nothing disk edits.

Regression tests for issue 9, defects 2 (grep_files read a secret through a
symlink that read_file refused) and 5 (str.splitlines counted more lines than
the editor). The tools run against a real terminal host on a real tree.
"""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.approvals import ApprovalPolicy, SessionApprovals
from codex_lsp.core.disk import apply_all_on_disk, apply_on_disk
from codex_lsp.core.protocol import AgentEvent, FileEdit
from codex_lsp.core.workspace import OutsideWorkspace, Workspace
from codex_lsp.edits.lines import lsp_lines, split_lsp_lines
from codex_lsp.edits.text_edits import LineIndex
from codex_lsp.exec_mode import TerminalHost, build_spec
from codex_lsp.tools.base import ToolContext, ToolFailure
from codex_lsp.tools.files import OUTSIDE_LINK, GrepFiles, ListDir, ReadFile

SECRET = "TOPSECRET-value-42"
# Every separator str.splitlines knows but LSP does not, inside lines.
ODD = "a\fb\x0bc\x1cd\x1de\x1ef\x85g\u2028h\u2029i"


async def _emit(event: AgentEvent) -> None:
    return None


def context(root: Path) -> ToolContext:
    ws = Workspace([root])
    host = TerminalHost(ws, assume_yes=True, never_ask=True)
    host.out, host.err = io.StringIO(), io.StringIO()
    return ToolContext("t", ws, host, ApprovalPolicy.NEVER, SessionApprovals(), _emit)


def run(tool: Any, ctx: ToolContext, **args: Any) -> str:
    return str(asyncio.run(tool.run(ctx, args)))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "secret.txt").write_text(f"key = {SECRET}\n")
    (outside / "deep" / "more.txt").write_text(f"{SECRET}\n")
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "ok.py").write_text("x = 1  # TOPSECRET is not here\n")
    (ws / "src" / "alias.py").symlink_to(ws / "src" / "ok.py")
    (ws / "link.txt").symlink_to(outside / "secret.txt")
    (ws / "outdir").symlink_to(outside)
    return ws


def test_grep_files_neither_reads_nor_descends_links_out(tree: Path) -> None:
    ctx = context(tree)
    out = run(GrepFiles(), ctx, pattern="TOPSECRET")
    assert SECRET not in out
    assert sorted(out.splitlines()) == [
        "src/alias.py:1: x = 1  # TOPSECRET is not here",
        "src/ok.py:1: x = 1  # TOPSECRET is not here",
    ]
    for path in ("link.txt", "outdir", "outdir/deep", "../outside"):
        with pytest.raises(ToolFailure, match="outside the workspace"):
            run(GrepFiles(), ctx, pattern="TOPSECRET", path=path)


def test_list_dir_marks_links_out_and_refuses_to_enter_them(tree: Path) -> None:
    ctx = context(tree)
    listing = run(ListDir(), ctx, path=".").splitlines()
    assert listing == ["link.txt" + OUTSIDE_LINK, "outdir" + OUTSIDE_LINK, "src/"]
    assert run(ListDir(), ctx, path="src").splitlines() == ["alias.py", "ok.py"]
    for path in ("outdir", "outdir/deep", str(tree.parent / "outside")):
        with pytest.raises(ToolFailure, match="outside the workspace"):
            run(ListDir(), ctx, path=path)


def test_read_file_and_grep_refuse_the_same_link(tree: Path) -> None:
    ctx = context(tree)
    with pytest.raises(ToolFailure, match="outside the workspace"):
        run(ReadFile(), ctx, path="link.txt")
    assert ctx.workspace.contains(tree / "src" / "alias.py")
    assert not ctx.workspace.contains(tree / "link.txt")
    with pytest.raises(OutsideWorkspace):
        ctx.workspace.permitted(tree / "outdir" / "deep" / "more.txt")


def test_lsp_lines_break_only_where_lsp_does() -> None:
    text = f"{ODD}\r\nsecond\rthird\nfourth"
    assert len(text.splitlines()) > 4  # the bug: Python's splitter counts more
    assert lsp_lines(text) == [ODD, "second", "third", "fourth"]
    assert lsp_lines("") == [] and lsp_lines("a\n") == ["a"] and lsp_lines("a\n\n") == ["a", ""]
    assert "".join(split_lsp_lines(text)) == text
    # The same count as the LSP position index used for edit ranges.
    index = LineIndex(text)
    assert index.position_at(text.index("fourth")) == (3, 0)


def test_read_file_and_grep_number_lines_as_the_editor(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text(f"{ODD}\nneedle\n", newline="")
    ctx = context(tmp_path)
    assert run(ReadFile(), ctx, path="f.txt") == f"L1: {ODD}\nL2: needle"
    assert run(GrepFiles(), ctx, pattern="needle") == "f.txt:2: needle"


def test_exec_range_selects_the_editor_lines(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text(f"{ODD}\nsecond\nthird\n", newline="")
    spec = build_spec(Workspace([tmp_path]), "x", "f.txt", "2:3")
    assert "lines 2-3:\n```\nsecond\nthird\n```" in spec.prompt


def test_disk_edits_are_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old\n")
    (tmp_path / "plain").write_text("a file, not a folder\n")
    edits = [
        FileEdit(tmp_path / "a.txt", "update", "old\n", "new\n"),
        FileEdit(tmp_path / "b.txt", "add", None, "b\n"),
        FileEdit(tmp_path / "plain" / "c.txt", "add", None, "cannot be\n"),
    ]
    with pytest.raises(OSError):
        apply_all_on_disk(edits)
    assert (tmp_path / "a.txt").read_text() == "old\n"
    assert not (tmp_path / "b.txt").exists()


def test_disk_write_refused_when_a_folder_became_a_link_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    ws = tmp_path / "ws"
    ws.mkdir()
    target = ws / "sub" / "new.txt"  # approved while sub/ did not exist
    os.symlink(outside, ws / "sub")
    with pytest.raises(OSError, match="leads elsewhere"):
        apply_on_disk(FileEdit(target, "add", None, "x\n"))
    assert list(outside.iterdir()) == []


def test_partial_approval_account_names_every_hunk_and_file(tmp_path: Path) -> None:
    from codex_lsp.core.protocol import EditProposal, ReviewDecision, ReviewedEdit
    from codex_lsp.tools.apply_patch import PARTIAL_HEADER, _keep_hunks

    old = "one\ntwo\nthree\nfour\n"
    new = "zero\none\nthree\nfour\nfive\n"  # insert 0, delete "two", append "five"
    files = [
        FileEdit(tmp_path / "m.txt", "update", old, new),
        FileEdit(tmp_path / "new.txt", "add", None, "x\n"),
        FileEdit(tmp_path / "gone.txt", "delete", "y\n", None),
    ]
    hunks = {str(tmp_path / "m.txt"): [1], str(tmp_path / "new.txt"): []}
    reviewed = ReviewedEdit(EditProposal("t", "x", files), ReviewDecision("approve", hunks))
    kept, text = _keep_hunks(reviewed, hunks, lambda p: p.name)
    assert [f.path.name for f in kept.files] == ["m.txt", "gone.txt"]
    assert kept.files[0].new_text == "one\nthree\nfour\n"
    assert text == "\n".join([
        PARTIAL_HEADER,
        "M m.txt: 1 of 3 hunks applied",
        "  hunk 1: rejected; nothing was inserted after line 0",
        "  hunk 2: applied; lines removed after line 1",
        "  hunk 3: rejected; nothing was inserted after line 3",
        "A new.txt: rejected, the file was not created",
        "D gone.txt: applied",
    ]) + "\n"
    everything = {str(tmp_path / "m.txt"): [0, 1, 2]}
    assert _keep_hunks(reviewed, everything, str)[1] is None
