"""Commands and MCP tool calls nobody decided in a prompt: waiting for a code action.

The same path as a pending change (`pending_changes`): an editor without
`window/showMessageRequest` (Helix 25.07), or a user who dismissed the prompt,
is told once what is asked and how to answer (`window/showMessage`); code
actions "Codex: Allow command `…`" / "Codex: Deny command `…`" are offered
anywhere in the document the turn started from, and `codex.approve` /
`codex.reject` without arguments answer the newest pending item. The turn waits
here as it would for a prompt: the approval timeout and every way to cancel the
turn end the wait.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_lsp import wire
from codex_lsp.core.protocol import CommandRequest, Decision
from codex_lsp.lsp.edits.approval_prompt import command_prompt
from codex_lsp.lsp.edits.waiting import Waiting, WaitingRegistry
from codex_lsp.lsp.session.documents import origin_of

LABEL_CHARS = 60
"""A command longer than this is cut in code action titles."""
_UNPRINTABLE = dict.fromkeys(range(32), " ") | {0x7F: " ", ord("`"): "'"}


class NoWaitingCommand(Exception):
    """The command asked for is not (or no longer) waiting for a decision."""


def command_label(request: CommandRequest) -> str:
    """The command (or `server/tool`) on one line, quoted, short enough for a title."""
    if request.kind == "mcp":
        text = f"{request.server or '?'}/{request.tool or '?'}"
    else:
        text = shlex.join(request.command)
    text = " ".join(text.translate(_UNPRINTABLE).split())
    if len(text) > LABEL_CHARS:
        text = text[: LABEL_CHARS - 1] + "…"
    return f"`{text}`"


def what(request: CommandRequest) -> str:
    """"command `ls`" or "MCP tool `server/tool`", for titles and messages."""
    noun = "MCP tool" if request.kind == "mcp" else "command"
    return f"{noun} {command_label(request)}"


@dataclass
class WaitingCommand(Waiting[Decision]):
    """One command or MCP call waiting for the user's decision."""

    request: CommandRequest
    origin: Path | None
    """The document the turn started from (its actions are offered there); None: any file."""

    @property
    def thread_id(self) -> str:
        return self.request.thread_id

    def offered_in(self, path: str, uri: str) -> bool:
        """Whether its actions belong in this document (`path`: as findings file it)."""
        return self.origin is None or str(self.origin) == path or origin_of(uri) == self.origin


class WaitingCommands(WaitingRegistry[WaitingCommand, Decision]):
    """The connection's commands waiting for a decision, newest last."""

    def __init__(self, notify: Callable[[str], None], order: Callable[[], int]) -> None:
        super().__init__("command", "command", NoWaitingCommand, order)
        self._notify = notify
        """Tells the user a command is waiting (`window/showMessage`)."""

    async def wait(self, request: CommandRequest, origin: Path | None, timeout: float) -> Decision:
        """Wait for a decision; none within `timeout` denies the command."""
        command = self.open(
            lambda id, order, decided: WaitingCommand(id, order, decided, request, origin)
        )
        where = f" in {origin.name}" if origin is not None else ""
        self._notify(
            f"{command_prompt(request)}. Allow it with the code action \"Codex: Allow "
            f'{what(request)}"{where}, or run {wire.APPROVE} ({wire.REJECT} to deny it).'
        )

        def denied() -> Decision:
            self._notify(f"Codex: {what(request)}: no decision within {timeout:g}s; denied.")
            return "reject"

        return await self.until_decided(command, timeout, denied)

    def newest(self) -> WaitingCommand | None:
        return self.latest()

    def in_file(self, path: str, uri: str) -> list[WaitingCommand]:
        """The commands whose actions are offered in this document, newest first."""
        return [c for c in self.newest_first() if c.offered_in(path, uri)]

    def describe(self) -> list[dict[str, Any]]:
        """The waiting commands for `codex.status`, oldest first."""
        return [
            {
                "commandId": c.id,
                "threadId": c.thread_id,
                "kind": c.request.kind,
                "command": c.request.command,
            }
            for c in self.oldest_first()
        ]
