"""Ask the user about a proposed edit, in the richest way the client supports.

- Clients with `experimental.codexApproval`: a `codex/approveEdit` request
  carrying each file's unified diff, its hunks and the `WorkspaceEdit`.
- Any other client: `window/showMessageRequest` with Apply / Show diff / Reject,
  whether or not it announced `window.showMessage` (`message_prompt`); "Show
  diff" opens a `.diff` file with `window/showDocument`, then the question is
  asked again.
No answer within `approval_timeout_sec` counts as a rejection, and the open
prompt is withdrawn with `$/cancelRequest`. An edit no prompt decided (the
client has none, refused the request, or the user dismissed it) is undecided:
`LspHost` then offers it as a pending change (`pending_changes`).

Commands and MCP tool calls are asked about the same way (`codex/approveCommand`
or a message prompt), but the request's `kind` and the wording say which one it
is; one no prompt decided waits as a pending command (`waiting_commands`).
"""

from __future__ import annotations

import logging
import os
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pygls.exceptions import JsonRpcException

from codex_lsp import wire
from codex_lsp.core.protocol import CommandRequest, Decision, ReviewDecision
from codex_lsp.edits.file_diff import ShownFile
from codex_lsp.lsp.edits.reviewed_edit import ShownEdit
from codex_lsp.lsp.rpc.jsonrpc import RequestAbandoned
from codex_lsp.lsp.session import message_prompt
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.message_prompt import NoPrompt

log = logging.getLogger(__name__)

APPLY, SHOW_DIFF, REJECT = "Apply", "Show diff", "Reject"
MAX_SHOW_DIFF_ROUNDS = 5
RUN, RUN_ALWAYS = "Run", "Run always this session"
_UNPRINTABLE = dict.fromkeys(range(32), " ") | {0x7F: " ", ord("`"): "'"}


class ApprovalPrompt:
    """Asks the connected editor about edits and commands."""

    def __init__(
        self,
        client: Client,
        relative: Callable[[Path], str],
        timeout: Callable[[], float],
        uri_for: Callable[[Path], str] = Path.as_uri,
    ) -> None:
        self.client = client
        self.relative = relative
        """Workspace-relative names for display."""
        self.uri_for = uri_for
        """A file's URI as the editor knows it (`Documents.uri_for`)."""
        self.timeout = timeout
        """Seconds before an unanswered approval counts as rejected (from the config)."""

    # ---- edits -------------------------------------------------------------------------

    def summary(self, reviewed: ShownEdit) -> str:
        """One line per file with +/- counts, for the message prompt."""
        parts = []
        for rf in reviewed.files:
            f = rf.edit
            verb = {"add": "create", "delete": "delete", "update": "edit"}[f.kind]
            moved = f" -> {self.relative(f.move_to)}" if f.move_to else ""
            parts.append(f"{verb} {self.relative(f.path)}{moved} (+{rf.added} -{rf.removed})")
        return "; ".join(parts)

    async def ask(self, reviewed: ShownEdit) -> ReviewDecision | None:
        """Ask until the user decides or the timeout passes (then: reject).

        None: undecided (no prompt in this client, it refused the request, or the
        user dismissed the message): only an explicit "Reject" rejects.
        """
        timeout = self.timeout()
        try:
            if self.client.caps.codex_approval:
                return await self._ask_codex(reviewed, timeout)
            return await self._ask_message(reviewed, timeout)
        except RequestAbandoned:
            self._withdrawn(reviewed.proposal.thread_id, "edit")
            return ReviewDecision("reject", reason=f"No answer within {timeout:g}s; edit rejected.")
        except (JsonRpcException, NoPrompt) as exc:
            log.info("no prompt decided (%s); the edit waits as a pending change", exc)
            return None

    def _withdrawn(self, thread_id: str, kind: str, action: str | None = None) -> None:
        """Tell chat-style clients a prompt is gone (some cannot map `$/cancelRequest` to it)."""
        event: dict[str, Any] = {"type": "approvalWithdrawn", "threadId": thread_id, "kind": kind}
        if action is not None:
            event["action"] = action  # "shell" | "mcp" for a command prompt
        self.client.send_event(event)

    def _file_json(self, rf: ShownFile) -> dict[str, Any]:
        f = rf.edit
        hunks = [
            {
                "index": h.index,
                "oldStart": h.old_start,
                "oldLines": h.old_lines,
                "newLines": h.new_lines,
            }
            for h in rf.hunks
        ]
        # An update's texts are the client's buffer and it with the hunks applied: sent
        # only to clients that ask (a one-line edit of a 10 MB file is then not 20 MB).
        texts = f.kind != "update" or self.client.caps.approval_full_texts
        return {
            "uri": self.uri_for(f.path),
            "path": self.relative(f.path),
            "kind": f.kind,
            "moveTo": self.uri_for(f.move_to) if f.move_to else None,
            "diff": rf.diff,
            "oldText": f.old_text if texts else None,
            "newText": f.new_text if texts else None,
            "hunks": hunks,
        }

    async def _ask_codex(self, reviewed: ShownEdit, timeout: float) -> ReviewDecision:
        proposal = reviewed.proposal
        params = {
            "threadId": proposal.thread_id,
            "title": proposal.title,
            "summary": self.summary(reviewed),
            "files": [self._file_json(rf) for rf in reviewed.files],
            "edit": reviewed.plan.workspace_edit,
        }
        answer = await self.client.request(wire.APPROVE_EDIT, params, timeout=timeout)
        return parse_decision(answer)

    async def _ask_message(self, reviewed: ShownEdit, timeout: float) -> ReviewDecision | None:
        deadline = time.monotonic() + timeout
        message = f"{reviewed.proposal.title}: {self.summary(reviewed)}"
        actions = [APPLY, SHOW_DIFF, REJECT]
        for _round in range(MAX_SHOW_DIFF_ROUNDS):
            remaining = max(0.01, deadline - time.monotonic())
            title = await message_prompt.ask(self.client, message, actions, remaining)
            if title == APPLY:
                return ReviewDecision("approve")
            if title == SHOW_DIFF:
                await self.show_diff_document(reviewed)
                continue
            if title == REJECT:
                return ReviewDecision("reject", reason="Edit rejected.")
            return None  # dismissed (null) or an answer we did not offer: undecided
        return None

    async def show_diff_document(self, reviewed: ShownEdit) -> Path:
        """Write the edit's diff under the cache folder and ask the editor to show it."""
        text = "".join(rf.diff for rf in reviewed.files)
        name = f"{reviewed.proposal.thread_id}.diff"
        path, _shown = await self.client.show_file("diffs", name, text)
        return path

    # ---- commands ------------------------------------------------------------------------

    async def ask_command(self, request: CommandRequest) -> Decision | None:
        """Ask whether a command or MCP call may run: `codex/approveCommand` or a message.

        None: undecided (no prompt in this client, it refused the request, or the
        user dismissed the message); `LspHost` then waits for it as a pending command.
        """
        timeout = self.timeout()
        try:
            if self.client.caps.codex_approval:
                answer = await self.client.request(
                    wire.APPROVE_COMMAND, command_params(request), timeout=timeout
                )
                decision = answer.get("decision") if isinstance(answer, dict) else None
                if decision in ("approve", "approveForSession"):
                    return "approve" if decision == "approve" else "approveForSession"
                return "reject"
            titles = [RUN, RUN_ALWAYS, REJECT]
            title = await message_prompt.ask(
                self.client, command_prompt(request), titles, timeout
            )
        except RequestAbandoned:
            self._withdrawn(request.thread_id, "command", action=request.kind)
            return "reject"
        except (JsonRpcException, NoPrompt) as exc:
            log.info("no prompt decided (%s); the %s waits as a pending command", exc, request.kind)
            return None
        if title == RUN:
            return "approve"
        if title == RUN_ALWAYS:
            return "approveForSession"
        return "reject" if title == REJECT else None


def parse_decision(answer: Any) -> ReviewDecision:
    """Read `{decision, hunks?}`; anything unexpected is a rejection (safe default)."""
    if not isinstance(answer, dict):
        return ReviewDecision("reject", reason="The editor gave no decision; edit rejected.")
    decision = answer.get("decision")
    if decision not in ("approve", "approveForSession", "reject"):
        return ReviewDecision("reject", reason=f"Unknown decision {decision!r}; edit rejected.")
    hunks_raw = answer.get("hunks")
    hunks: dict[str, list[int]] | None = None
    if isinstance(hunks_raw, dict):
        hunks = {}
        for key, value in hunks_raw.items():
            if isinstance(value, list) and all(isinstance(i, int) for i in value):
                path = _uri_to_path(str(key))
                hunks[path] = list(value)
    return ReviewDecision(decision, hunks)


def _uri_to_path(key: str) -> str:
    """The real path a per-hunk answer names (the editor may name a symlink)."""
    if key.startswith("file:"):
        from pygls.uris import to_fs_path

        key = to_fs_path(key) or key
    return os.path.realpath(key) if os.path.isabs(key) else key


def _code(text: str | None) -> str:
    """A name from elsewhere (an MCP server), quoted so it cannot fake the prompt's wording."""
    return "`" + (text or "?").translate(_UNPRINTABLE) + "`"


def command_prompt(request: CommandRequest) -> str:
    """The question in words, saying which kind of action it is: an MCP call or a command."""
    if request.kind == "mcp":
        args = f" with arguments {request.reason}" if request.reason else ""
        return (
            f"Codex wants to call MCP tool {_code(request.tool)} "
            f"on server {_code(request.server)}{args}"
        )
    reason = f" ({request.reason})" if request.reason else ""
    return f"Codex wants to run the command: {shlex.join(request.command)} in {request.cwd}{reason}"


def command_params(request: CommandRequest) -> dict[str, Any]:
    """`codex/approveCommand` params: the original fields plus `kind` (and server/tool)."""
    params: dict[str, Any] = {
        "threadId": request.thread_id,
        "command": request.command,
        "cwd": str(request.cwd),
        "reason": request.reason,
        "kind": request.kind,
        "message": command_prompt(request),
    }
    if request.kind == "mcp":
        params["server"] = request.server
        params["tool"] = request.tool
    return params
