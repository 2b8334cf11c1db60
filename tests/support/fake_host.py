"""`FakeHost`: an in-process `AgentHost` with scripted answers, for fast tests of the agent core.

It is a real implementation of the host contract (like the LSP host and the terminal
host of `codex-lsp exec`), not a mock: it keeps open editor buffers with versions,
checks an edit is fresh before writing it, writes approved edits to the buffers or
atomically to disk under the workspace (a `tmp_path`), and answers reviews and command
approvals from a script. It records every event and call so tests assert whole objects.

    host = FakeHost(decisions=[ReviewDecision("approve")], commands=["reject"])
    host.open_document(path, "text", version=3)   # an unsaved editor buffer
    ...
    assert host.events == [TurnStarted(...), AgentText(...), TurnFinished(...)]
    assert host.reviews == [EditProposal(...)]

A review answer may be an `asyncio.Future` that the test resolves (or never does,
to cancel the turn while the user is being asked); `asking` is set while a review
or command approval is waiting. An unexpected question fails the test.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from codex_lsp.core.disk import FreshWrites, apply_on_disk
from codex_lsp.core.protocol import (
    AgentEvent,
    AgentText,
    ApplyOutcome,
    CommandRequest,
    Decision,
    EditProposal,
    FileEdit,
    ReviewDecision,
    ReviewedEdit,
    Snapshot,
    TextReset,
)
from codex_lsp.core.workspace import read_text_if_present

__all__ = ["APPROVE", "REJECT", "FakeHost", "HostCall"]

APPROVE = ReviewDecision("approve")
REJECT = ReviewDecision("reject")

HostCall = tuple[str, EditProposal | CommandRequest]
"""("review_edit" | "apply_edit" | "approve_command", the argument), in call order."""

E = TypeVar("E")


class FakeHost:
    """`AgentHost` with open buffers, disk writes and scripted user answers."""

    def __init__(
        self,
        decisions: Iterable[ReviewDecision | asyncio.Future[ReviewDecision]] = (),
        commands: Iterable[Decision] = (),
        refuse_apply: str | None = None,
    ) -> None:
        self.decisions: deque[ReviewDecision | asyncio.Future[ReviewDecision]] = deque(decisions)
        self.command_answers: deque[Decision] = deque(commands)
        self.refuse_apply = refuse_apply
        """When set, `apply_edit` refuses with this reason (as an editor may)."""
        self.buffers: dict[Path, Snapshot] = {}
        self.events: list[AgentEvent] = []
        self.calls: list[HostCall] = []
        self.asking = asyncio.Event()
        self.writes = FreshWrites(self.snapshot)
        """The freshness check every host writes through (the real one)."""

    # ---- editor state --------------------------------------------------------

    def open_document(self, path: Path, text: str, version: int = 1) -> None:
        """Open `path` in the "editor" with `text` (which may differ from the disk)."""
        self.buffers[path] = Snapshot(text, version)

    def current_text(self, path: Path) -> str | None:
        """What the user sees for `path`: its buffer if open, else the disk, else None."""
        snap = self.buffers.get(path)
        return snap.text if snap is not None else read_text_if_present(path)

    # ---- the host contract -----------------------------------------------------

    def snapshot(self, path: Path) -> Snapshot | None:
        return self.buffers.get(path)

    async def emit(self, event: AgentEvent) -> None:
        self.events.append(event)

    async def review_edit(self, proposal: EditProposal) -> ReviewedEdit:
        self.calls.append(("review_edit", proposal))
        if not self.decisions:
            raise AssertionError(f"FakeHost: unexpected review of {proposal!r}")
        answer = self.decisions.popleft()
        if isinstance(answer, asyncio.Future):
            self.asking.set()
            try:
                answer = await answer
            finally:
                self.asking.clear()
        return ReviewedEdit(proposal, answer)

    async def apply_edit(self, edit: ReviewedEdit) -> ApplyOutcome:
        proposal = edit.to_write
        self.calls.append(("apply_edit", proposal))
        if self.refuse_apply is not None:
            return ApplyOutcome(False, self.refuse_apply)

        async def write() -> ApplyOutcome:
            for f in proposal.files:
                self._write(f)
            return ApplyOutcome(True)

        return await self.writes.write(proposal.files, write)

    async def approve_command(self, request: CommandRequest) -> Decision:
        self.calls.append(("approve_command", request))
        if not self.command_answers:
            raise AssertionError(f"FakeHost: unexpected command approval {request!r}")
        return self.command_answers.popleft()

    def _write(self, f: FileEdit) -> None:
        """An open buffer is edited in place (new version); anything else goes to disk."""
        snap = self.buffers.get(f.path)
        if snap is not None and f.kind == "update" and f.move_to in (None, f.path):
            self.buffers[f.path] = Snapshot(f.new_text or "", (snap.version or 0) + 1)
            return
        self.buffers.pop(f.path, None)
        apply_on_disk(f)

    # ---- what was recorded ------------------------------------------------------

    def of_type(self, kind: type[E]) -> list[E]:
        """Recorded events of one class, in order."""
        return [e for e in self.events if isinstance(e, kind)]

    @property
    def reviews(self) -> list[EditProposal]:
        """Every proposal shown to the user, in order."""
        return [
            arg
            for name, arg in self.calls
            if name == "review_edit" and isinstance(arg, EditProposal)
        ]

    @property
    def applied(self) -> list[EditProposal]:
        """Every proposal the engine asked to write (refused ones included)."""
        return [
            arg
            for name, arg in self.calls
            if name == "apply_edit" and isinstance(arg, EditProposal)
        ]

    @property
    def command_requests(self) -> list[CommandRequest]:
        """Every shell command the user was asked about."""
        return [arg for name, arg in self.calls if isinstance(arg, CommandRequest)]

    @property
    def streamed_text(self) -> str:
        """The answer as the user saw it stream (a `TextReset` voids what came before)."""
        shown = ""
        for event in self.events:
            if isinstance(event, TextReset):
                shown = ""
            elif isinstance(event, AgentText):
                shown += event.delta
        return shown
