"""Proposed changes nobody decided on in a prompt: waiting for a code action or a command.

An editor without `window/showMessageRequest` (Helix 25.07), or a user who
dismissed the prompt, still gets to decide: the change stays pending, its
changed lines carry an Information diagnostic (`source: "codex"`) saying what
is proposed and how to apply it, and the code actions there (`pending_commands`)
run `codex.approve` / `codex.reject`. The turn waits here as it would for a
prompt: the approval timeout and every way to cancel the turn end the wait,
and the diagnostics go away as soon as the change is decided.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from codex_lsp import wire
from codex_lsp.core.protocol import Hunk, ReviewDecision
from codex_lsp.edits.file_diff import ShownFile
from codex_lsp.lsp.edits.reviewed_edit import ShownEdit
from codex_lsp.lsp.edits.waiting import Waiting, WaitingRegistry
from codex_lsp.lsp.edits.waiting_commands import WaitingCommand, WaitingCommands
from codex_lsp.lsp.session.ranges import lsp_range

Json = dict[str, Any]

HOW_TO = (
    'Code actions: "Codex: Apply change", "Codex: Apply this hunk", "Codex: Reject change", '
    f'"Codex: Show diff"; or run {wire.APPROVE} / {wire.REJECT}.'
)


class NoPendingChange(Exception):
    """The change asked for is not (or no longer) waiting for a decision."""


@dataclass
class PendingChange(Waiting[ReviewDecision]):
    """One proposed change waiting for the user's decision."""

    reviewed: ShownEdit
    summary: str
    """One line per file with +/- counts (as the message prompt shows it)."""

    @property
    def thread_id(self) -> str:
        return self.reviewed.proposal.thread_id

    def files_at(self, path: str) -> list[ShownFile]:
        """The files of this change filed under `path` (its old location for a move)."""
        return [rf for rf in self.reviewed.files if str(rf.edit.path) == path]

    def hunks_only(self, path: str, index: int) -> dict[str, list[int]]:
        """A per-hunk decision keeping hunk `index` of `path` and nothing else."""
        return {str(rf.edit.path): [index] if str(rf.edit.path) == path else []
                for rf in self.reviewed.files}


class PendingChanges(WaitingRegistry[PendingChange, ReviewDecision]):
    """The connection's pending changes, newest last, and its waiting commands."""

    def __init__(
        self,
        publish: Callable[[Iterable[str]], None],
        notify: Callable[[str], None],
    ) -> None:
        order = itertools.count(1)
        super().__init__("change", "proposed change", NoPendingChange, lambda: next(order))
        self._publish = publish
        """Re-sends the diagnostics of these files (ours merged with the findings)."""
        self._notify = notify
        """Tells the user a change is waiting (`window/showMessage`)."""
        self.commands = WaitingCommands(notify, lambda: next(order))
        """Commands and MCP calls no prompt decided (`codex.approve` answers either kind)."""

    async def wait(self, reviewed: ShownEdit, summary: str, timeout: float) -> ReviewDecision:
        """Offer the change until decided; no decision within `timeout` rejects it."""
        change = self.open(
            lambda id, order, decided: PendingChange(id, order, decided, reviewed, summary)
        )
        paths = [str(rf.edit.path) for rf in reviewed.files]
        self._publish(paths)
        self._notify(
            f"Codex proposes: {summary}. Apply it with the code action \"Codex: Apply change\" "
            f"on a changed line, or run {wire.APPROVE} ({wire.REJECT} to discard it)."
        )

        def rejected() -> ReviewDecision:
            reason = f"No decision within {timeout:g}s; edit rejected."
            self._notify(f"Codex: {summary}: {reason}")
            return ReviewDecision("reject", reason=reason)

        try:
            return await self.until_decided(change, timeout, rejected)
        finally:
            self._publish(paths)

    def newest(self) -> PendingChange | WaitingCommand | None:
        """The item decided last-in-first-out by `codex.approve` without arguments."""
        change, command = self.latest(), self.commands.latest()
        if change is None or (command is not None and command.order > change.order):
            return command
        return change

    def describe(self) -> list[Json]:
        """The pending changes for `codex.status`, oldest first."""
        return [
            {"changeId": c.id, "threadId": c.thread_id, "summary": c.summary}
            for c in self.oldest_first()
        ]

    def in_file(self, path: str) -> list[PendingChange]:
        """The pending changes touching `path`, newest first."""
        return [c for c in self.newest_first() if c.files_at(path)]

    def diagnostics(self, path: str) -> list[Json]:
        """The Information diagnostics over the changed ranges of `path`."""
        return [
            diagnostic
            for change in self.in_file(path)
            for rf in change.files_at(path)
            for diagnostic in file_diagnostics(change, rf)
        ]


# ---- diagnostics -----------------------------------------------------------------------


def hunk_range(hunk: Hunk) -> Json:
    """The old lines a hunk replaces, whole (an insertion: an empty range where it goes)."""
    return lsp_range(hunk.old_start, 0, hunk.old_end, 0)


def _preview(lines: list[str]) -> str:
    first = next((line.strip() for line in lines if line.strip()), "")
    return first if len(first) <= 60 else first[:59] + "…"


def _hunk_message(change: PendingChange, hunk: Hunk) -> str:
    old, new = len(hunk.old_lines), len(hunk.new_lines)
    if not old:
        what = f"insert {new} line{'s' * (new != 1)} here"
    elif not new:
        what = f"delete {old} line{'s' * (old != 1)}"
    else:
        what = f"replace {old} line{'s' * (old != 1)} with {new}"
    preview = f": {_preview(hunk.new_lines)}" if new and _preview(hunk.new_lines) else ""
    return f"Codex proposes to {what}{preview} ({change.reviewed.proposal.title}). {HOW_TO}"


def pending_diagnostic(change: PendingChange, rng: Json, message: str, hunk: int | None) -> Json:
    """One pending-change diagnostic (its `data` names the change and hunk)."""
    return {
        "range": rng,
        "severity": 3,
        "source": wire.FINDINGS_SOURCE,
        "code": wire.PENDING_CHANGE_CODE,
        "message": message,
        "data": {"changeId": change.id, "hunk": hunk},
    }


def file_diagnostics(change: PendingChange, rf: ShownFile) -> list[Json]:
    """One diagnostic per hunk of an update; one on the first line for other changes."""
    f = rf.edit
    if f.kind == "update" and rf.hunks:
        return [
            pending_diagnostic(change, hunk_range(h), _hunk_message(change, h), h.index)
            for h in rf.hunks
        ]
    verb = {"add": "create", "delete": "delete", "update": "move"}[f.kind]
    message = f"Codex proposes to {verb} this file ({change.summary}). {HOW_TO}"
    top = lsp_range(0, 0, 1, 0)
    return [pending_diagnostic(change, top, message, None)]
