"""One reviewed edit: what the prompt shows is what is sent, each file's diff computed once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from codex_lsp.core.protocol import EditProposal, FileEdit, ReviewDecision
from codex_lsp.edits.hunks import apply_hunks
from codex_lsp.lsp.edits.reviewed_edit import EditorReview, ShownEdit
from codex_lsp.lsp.edits.workspace_edits import ClientEditSupport, build_edit

ROOT = Path("/ws")
OLD = "".join(f"line {i}\n" for i in range(20))
NEW = OLD.replace("line 2\n", "line two\n").replace("line 15\n", "line fifteen\n")
SUPPORT = ClientEditSupport()
APPROVE = ReviewDecision("approve")


def _proposal(new: str = NEW) -> EditProposal:
    edit = FileEdit(ROOT / "a.py", "update", OLD, new, version=3)
    return EditProposal("t1", "Edit", [edit])


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_review_holds_hunks_diff_and_counts() -> None:
    shown = ShownEdit.of(_proposal(), _relative, SUPPORT)
    [sf] = shown.files
    assert [(h.index, h.old_start) for h in sf.hunks] == [(0, 2), (1, 15)]
    assert (sf.added, sf.removed) == (2, 2)
    assert sf.diff.startswith("--- a/a.py\n+++ b/a.py\n")


def test_the_shown_plan_is_made_from_the_shown_diffs() -> None:
    proposal = _proposal()
    shown = ShownEdit.of(proposal, _relative, SUPPORT)
    assert shown.plan == build_edit(proposal.files, SUPPORT)
    assert shown.diff_of(proposal.files[0]) is shown.files[0].change


def test_whole_approval_sends_the_reviewed_plan_itself() -> None:
    shown = ShownEdit.of(_proposal(), _relative, SUPPORT)
    review = EditorReview(_proposal(), APPROVE, shown=shown)
    assert review.plan(SUPPORT) is shown.plan
    assert review.shown_hunks(ROOT / "a.py") is shown.files[0].hunks
    assert review.shown_hunks(ROOT / "other.py") is None


def test_partial_approval_gets_a_plan_for_the_kept_hunk_only() -> None:
    shown = ShownEdit.of(_proposal(), _relative, SUPPORT)
    review = EditorReview(_proposal(), ReviewDecision("approve", {"/ws/a.py": [1]}), shown=shown)
    narrowed = replace(review, approved=_proposal(apply_hunks(OLD, NEW, [1])))
    plan = narrowed.plan(SUPPORT)
    assert plan is not shown.plan
    [change] = plan.workspace_edit["documentChanges"]
    assert change["textDocument"] == {"uri": (ROOT / "a.py").as_uri(), "version": 3}
    assert [e["range"]["start"]["line"] for e in change["edits"]] == [15]


def test_a_partial_plan_reuses_the_diff_of_every_file_kept_whole() -> None:
    a = FileEdit(ROOT / "a.py", "update", OLD, NEW, version=3)
    b = FileEdit(ROOT / "b.py", "update", "x\n", "y\n")
    shown = ShownEdit.of(EditProposal("t1", "Edit", [a, b]), _relative, SUPPORT)
    narrowed_a = FileEdit(a.path, "update", OLD, apply_hunks(OLD, NEW, [0]), version=3)

    assert shown.diff_of(b) is shown.files[1].change
    assert shown.diff_of(narrowed_a) is not shown.files[0].change
    assert shown.diff_of(narrowed_a).new == narrowed_a.new_text
