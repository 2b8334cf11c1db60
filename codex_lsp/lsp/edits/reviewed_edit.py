"""One reviewed edit: computed once when a patch is ready, shown, decided on, sent.

The approval prompt shows its diffs and hunks and sends its `WorkspaceEdit` to
clients that review it themselves; `LspHost.apply_edit` then sends that same
`WorkspaceEdit` when the whole edit was approved. Only an edit narrowed to some
hunks gets a new plan, built for the files that changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codex_lsp.core.protocol import EditProposal, FileEdit
from codex_lsp.edits.file_diff import file_diff
from codex_lsp.edits.hunks import Hunk
from codex_lsp.lsp.edits.workspace_edits import ClientEditSupport, EditPlan, build_edit


@dataclass(frozen=True)
class ReviewedFile:
    """One file of the edit with what the user is shown about it."""

    edit: FileEdit
    hunks: list[Hunk]
    """Numbered change regions (updates only): what a per-hunk answer refers to."""
    diff: str
    """Unified diff with workspace-relative labels."""
    added: int
    removed: int


@dataclass(frozen=True)
class ReviewedEdit:
    """A proposal with its diffs, hunks and the `WorkspaceEdit` that applies it."""

    proposal: EditProposal
    files: list[ReviewedFile]
    plan: EditPlan

    @classmethod
    def of(
        cls,
        proposal: EditProposal,
        relative: Callable[[Path], str],
        support: ClientEditSupport,
        uri_for: Callable[[Path], str] = Path.as_uri,
    ) -> ReviewedEdit:
        """Compute everything the review and the apply step need, once."""
        files = [_reviewed_file(f, relative) for f in proposal.files]
        return cls(proposal, files, build_edit(proposal.files, support, uri_for))

    def plan_for(
        self,
        approved: EditProposal,
        support: ClientEditSupport,
        uri_for: Callable[[Path], str] = Path.as_uri,
    ) -> EditPlan:
        """The plan for what was approved: this one whole, or one for the kept hunks."""
        if approved.files == self.proposal.files:
            return self.plan
        return build_edit(approved.files, support, uri_for)


def _reviewed_file(f: FileEdit, relative: Callable[[Path], str]) -> ReviewedFile:
    old, new = f.old_text or "", f.new_text or ""
    rel = relative(f.path)
    new_rel = relative(f.move_to) if f.move_to else rel
    old_label = "/dev/null" if f.kind == "add" else f"a/{rel}"
    new_label = "/dev/null" if f.kind == "delete" else f"b/{new_rel}"
    diff = file_diff(old, new, f.changes)
    hunks = diff.hunks() if f.kind == "update" else []
    added, removed = diff.counts()
    return ReviewedFile(f, hunks, diff.unified(old_label, new_label), added, removed)
