"""One edit as the editor's user reviews it: computed once, shown, decided on, sent.

`ShownEdit` is what the approval prompt and a pending change show (each file's
diff and hunks) and the `WorkspaceEdit` that applies it. `LspHost.review_edit`
returns the decision with it (`EditorReview`) and the engine hands that value
back to `LspHost.apply_edit`, which sends the same `WorkspaceEdit` when the
whole edit was approved; an edit narrowed to some hunks gets a new plan that
reuses the computed diff of every file kept whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from codex_lsp.core.protocol import EditProposal, FileEdit, Hunk, ReviewedEdit
from codex_lsp.edits.file_diff import FileDiff, ShownFile, change_of, show_file
from codex_lsp.lsp.edits.workspace_edits import ClientEditSupport, EditPlan, build_edit


@dataclass(frozen=True)
class ShownEdit:
    """A proposal with its diffs, hunks and the `WorkspaceEdit` that applies it."""

    proposal: EditProposal
    files: list[ShownFile]
    plan: EditPlan

    @classmethod
    def of(
        cls,
        proposal: EditProposal,
        relative: Callable[[Path], str],
        support: ClientEditSupport,
        uri_for: Callable[[Path], str] = Path.as_uri,
    ) -> ShownEdit:
        """Compute everything the review and the apply step need, once."""
        files = [show_file(f, relative) for f in proposal.files]
        diffs = {id(sf.edit): sf.change for sf in files}
        plan = build_edit(proposal.files, support, uri_for, lambda f: diffs[id(f)])
        return cls(proposal, files, plan)

    def diff_of(self, f: FileEdit) -> FileDiff:
        """The computed diff of `f` if it is a file shown unchanged, else a new one."""
        for sf in self.files:
            if sf.edit.path == f.path and sf.edit == f:
                return sf.change
        return change_of(f)


@dataclass(frozen=True)
class EditorReview(ReviewedEdit):
    """The user's decision on a `ShownEdit` (what `LspHost.review_edit` returns)."""

    shown: ShownEdit = field(kw_only=True)

    def shown_hunks(self, path: Path) -> list[Hunk] | None:
        return next((sf.hunks for sf in self.shown.files if sf.edit.path == path), None)

    def plan(
        self, support: ClientEditSupport, uri_for: Callable[[Path], str] = Path.as_uri
    ) -> EditPlan:
        """The plan for what was approved: the shown one whole, or one for the kept hunks."""
        approved = self.to_write
        if approved.files == self.shown.proposal.files:
            return self.shown.plan
        return build_edit(approved.files, support, uri_for, self.shown.diff_of)
