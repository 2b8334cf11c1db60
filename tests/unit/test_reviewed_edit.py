"""One reviewed edit: what the prompt shows is what is sent when approved whole."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.core.protocol import EditProposal, FileEdit
from codex_lsp.edits.hunks import apply_hunks
from codex_lsp.lsp.edits.reviewed_edit import ReviewedEdit
from codex_lsp.lsp.edits.workspace_edits import ClientEditSupport

ROOT = Path("/ws")
OLD = "".join(f"line {i}\n" for i in range(20))
NEW = OLD.replace("line 2\n", "line two\n").replace("line 15\n", "line fifteen\n")
SUPPORT = ClientEditSupport()


def _proposal(new: str = NEW) -> EditProposal:
    edit = FileEdit(ROOT / "a.py", "update", OLD, new, version=3)
    return EditProposal("t1", "Edit", [edit])


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_review_holds_hunks_diff_and_counts() -> None:
    reviewed = ReviewedEdit.of(_proposal(), _relative, SUPPORT)
    [rf] = reviewed.files
    assert [(h.index, h.old_start) for h in rf.hunks] == [(0, 2), (1, 15)]
    assert (rf.added, rf.removed) == (2, 2)
    assert rf.diff.startswith("--- a/a.py\n+++ b/a.py\n")


def test_whole_approval_sends_the_reviewed_plan_itself() -> None:
    reviewed = ReviewedEdit.of(_proposal(), _relative, SUPPORT)
    assert reviewed.plan_for(_proposal(), SUPPORT) is reviewed.plan


def test_partial_approval_gets_a_plan_for_the_kept_hunk_only() -> None:
    reviewed = ReviewedEdit.of(_proposal(), _relative, SUPPORT)
    narrowed = _proposal(apply_hunks(OLD, NEW, [1]))
    plan = reviewed.plan_for(narrowed, SUPPORT)
    assert plan is not reviewed.plan
    [change] = plan.workspace_edit["documentChanges"]
    assert change["textDocument"] == {"uri": (ROOT / "a.py").as_uri(), "version": 3}
    assert [e["range"]["start"]["line"] for e in change["edits"]] == [15]
