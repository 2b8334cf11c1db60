"""The agent's host inside the language server: buffers, events, review, apply.

It works through the services the handlers use too (open documents, the client,
the running turns' reporters), never through the server itself.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pygls.exceptions import JsonRpcException

from codex_lsp.core.disk import FreshWrites, apply_all_on_disk
from codex_lsp.core.protocol import (
    AgentEvent,
    ApplyOutcome,
    CommandRequest,
    Decision,
    EditProposal,
    ReviewedEdit,
    Snapshot,
    event_to_dict,
)
from codex_lsp.lsp.edits.approval_prompt import ApprovalPrompt
from codex_lsp.lsp.edits.pending_changes import PendingChanges
from codex_lsp.lsp.edits.reviewed_edit import EditorReview, ShownEdit
from codex_lsp.lsp.edits.workspace_edits import build_edit
from codex_lsp.lsp.features.ask_user import ask_form, ask_question
from codex_lsp.lsp.rpc.jsonrpc import RequestAbandoned
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.documents import Documents
from codex_lsp.lsp.session.progress import TurnReporter
from codex_lsp.tools.user_input import FormAnswers, UserAnswer, UserQuestion

log = logging.getLogger(__name__)

APPLY_EDIT = "workspace/applyEdit"
METHOD_NOT_FOUND = -32601

WAITING = 'Waiting for your decision: code action "Codex: Apply change" or codex.approve'
"""The progress message while a change is pending."""
WAITING_COMMAND = (
    'Waiting for your decision: code action "Codex: Allow command" or codex.approve'
)
"""The progress message while a command (or MCP call) waits."""


class LspHost:
    """Implements `AgentHost` on top of the LSP connection."""

    def __init__(
        self,
        documents: Documents,
        client: Client,
        prompt: ApprovalPrompt,
        reporters: dict[str, TurnReporter],
        pending: PendingChanges,
    ) -> None:
        self.documents = documents
        self.client = client
        self.prompt = prompt
        self.reporters = reporters
        """The running turns' reporters by thread id (`TurnRegistry.reporters`)."""
        self.pending = pending
        """Where a change no prompt decided waits for a code action or `codex.approve`."""
        self.writes = FreshWrites(documents.snapshot)

    def snapshot(self, path: Path) -> Snapshot | None:
        return self.documents.snapshot(path)

    async def emit(self, event: AgentEvent) -> None:
        reporter = self.reporters.get(event.thread_id)
        if reporter is not None:
            await reporter.emit(event)
        else:
            self.client.send_event(event_to_dict(event))

    async def review_edit(self, proposal: EditProposal) -> EditorReview:
        shown = ShownEdit.of(
            proposal, self.documents.relative, self.client.caps.edits, self.documents.uri_for
        )
        decision = await self.prompt.ask(shown)
        if decision is None:  # no prompt here, or it was dismissed: decide from code actions
            reporter = self.reporters.get(proposal.thread_id)
            if reporter is not None:
                reporter.report(WAITING)
            decision = await self.pending.wait(
                shown, self.prompt.summary(shown), self.prompt.timeout()
            )
        return EditorReview(proposal, decision, shown=shown)

    async def apply_edit(self, edit: ReviewedEdit) -> ApplyOutcome:
        """Check freshness and apply (`FreshWrites`: one edit at a time)."""
        return await self.writes.write(edit.to_write.files, lambda: self._send_edit(edit))

    async def _send_edit(self, edit: ReviewedEdit) -> ApplyOutcome:
        proposal = edit.to_write
        if APPLY_EDIT in self.client.refused:
            return self._apply_without_editor(proposal)
        support = self.client.caps.edits
        if isinstance(edit, EditorReview):  # reviewed here: its diffs are computed
            plan = edit.plan(support, self.documents.uri_for)
        else:  # written without asking (policy, undo)
            plan = build_edit(proposal.files, support, self.documents.uri_for)
        has_changes = bool(
            plan.workspace_edit.get("documentChanges") or plan.workspace_edit.get("changes")
        )
        if has_changes:
            try:
                answer = await self.client.request(
                    APPLY_EDIT, {"label": proposal.title, "edit": plan.workspace_edit}, timeout=60
                )
            except RequestAbandoned as exc:
                return ApplyOutcome(False, str(exc))
            except JsonRpcException as exc:
                if exc.code != METHOD_NOT_FOUND:
                    return ApplyOutcome(False, f"the editor refused the edit: {exc.message}")
                # Tried because many editors apply edits they do not announce (Kate);
                # this one does not: remembered, and what it cannot take is refused.
                self.client.refused.add(APPLY_EDIT)
                return self._apply_without_editor(proposal)
            if not isinstance(answer, dict) or not answer.get("applied"):
                reason = answer.get("failureReason") if isinstance(answer, dict) else None
                return ApplyOutcome(False, reason or "the editor refused the edit")
        apply_all_on_disk(plan.disk_ops)  # FreshWrites reports an OSError
        return ApplyOutcome(True)

    def _apply_without_editor(self, proposal: EditProposal) -> ApplyOutcome:
        """A client without `workspace/applyEdit` (MethodNotFound): write closed files.

        Closed files are written as `exec` does.

        An open buffer cannot be changed behind the editor's back (the user would
        save over it), so an edit touching one fails at once with the reason.
        """
        open_files = [
            self.documents.relative(path)
            for f in proposal.files
            for path in (f.path, f.move_to)
            if path is not None and self.documents.open_document(path) is not None
        ]
        if open_files:
            return ApplyOutcome(
                False,
                f"{', '.join(open_files)} is open in the editor, and this editor does not "
                "accept workspace edits (it answers 'workspace/applyEdit' with MethodNotFound); "
                "close the file and try again",
            )
        apply_all_on_disk(proposal.files)
        return ApplyOutcome(True)

    async def approve_command(self, request: CommandRequest) -> Decision:
        decision = await self.prompt.ask_command(request)
        if decision is not None:
            return decision
        # No prompt decided: wait for a code action or `codex.approve`, as a change does.
        reporter = self.reporters.get(request.thread_id)
        if reporter is not None:
            reporter.report(WAITING_COMMAND)
        origin = reporter.origin if reporter is not None else None
        return await self.pending.commands.wait(request, origin, self.prompt.timeout())

    async def ask_user(self, question: UserQuestion) -> UserAnswer:
        """The model's `request_user_input` question, as a message request (see user_prompt)."""
        reporter = self.reporters.get(question.thread_id)
        if reporter is not None:
            reporter.report(f"Waiting for your answer: {question.question}")
        return await ask_question(self.client, question, self.prompt.timeout())

    async def ask_user_form(
        self, call_id: str, questions: list[UserQuestion]
    ) -> FormAnswers | None:
        """All of a call's questions inline, in clients that show them (see features/user_input)."""
        reporter = self.reporters.get(questions[0].thread_id)
        if reporter is not None:
            reporter.report(f"Waiting for your answer: {questions[0].question}")
        return await ask_form(self.client, call_id, questions, self.prompt.timeout())
