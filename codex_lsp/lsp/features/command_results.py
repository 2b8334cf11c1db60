"""What commands answer: one `CommandResult` family, written as today's JSON objects.

Every command answers `{status, threadId, error?}` plus its own fields. Field names
are snake_case here and camelCase on the wire (`thread_id` -> `threadId`); a field
left `UNSET` is not sent at all, while `None` is sent as `null` (clients tell the
two apart: `documentUri: null` means "answered, but not shown as a document").
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Final

import attrs

if TYPE_CHECKING:  # annotations only: kept off `codex.status`'s early path (fast_start)
    from codex_lsp.agent.transcript import Entry
    from codex_lsp.core.protocol import TurnStatus as Status


class Unset(enum.Enum):
    """A field the answer leaves out (not `null`)."""

    UNSET = 0


UNSET: Final = Unset.UNSET

FLATTEN = {"flatten": True}
"""Field metadata: a mapping whose keys are sent at the top level of the answer."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def to_json(value: Any) -> Any:
    """A result (or a value inside one) as the JSON the client receives."""
    if attrs.has(type(value)):
        out: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            if item is UNSET:
                continue
            if field.metadata.get("flatten"):
                out.update(to_json(item))
            else:
                out[_camel(field.name)] = to_json(item)
        return out
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return value


@attrs.define(kw_only=True)
class CommandResult:
    """The fields every command answers (`threadId` only where a thread is involved)."""

    status: Status
    thread_id: str | Unset | None = UNSET
    error: str | Unset = UNSET

    def to_json(self) -> dict[str, Any]:
        """The answer as sent on the wire."""
        out: dict[str, Any] = to_json(self)
        return out


def failed(message: str, thread_id: str | None = None) -> CommandResult:
    """The `failed` answer every command gives when it cannot do its work."""
    return CommandResult(status="failed", thread_id=thread_id, error=message)


@attrs.define(kw_only=True)
class NeedsInstructionResult(CommandResult):
    """`codex.editSelection` failed for want of an instruction: the editor should ask.

    Neither an argument nor a `codex:` comment gave one; the editor asks the user
    and sends the command again (`wire.NEEDS_INSTRUCTION`).
    """

    needs_instruction: bool = True


def thread_result(thread_id: str | None) -> CommandResult:
    """`{status: answered, threadId}`: a command whose answer is the thread it made current."""
    return CommandResult(status="answered", thread_id=thread_id)


@attrs.define(kw_only=True)
class TurnAnswer(CommandResult):
    """A model turn's answer: its text and the files it changed."""

    text: str = ""
    changed_files: list[str] | Unset = UNSET
    usage: dict[str, Any] | Unset | None = UNSET
    document_uri: str | Unset | None = UNSET
    """Where the answer was shown as a document (explain, ask)."""


@attrs.define(kw_only=True)
class ReviewResult(TurnAnswer):
    """A review's findings, summarised (`findings` as LSP-ranged JSON objects)."""

    summary: str = ""
    findings: list[dict[str, Any]] = attrs.Factory(list)
    overall_correctness: str | Unset | None = UNSET
    overall_explanation: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class ClearFindingsResult(CommandResult):
    """`codex.clearFindings`: how many findings went and how many are left."""

    cleared: int
    remaining: int


@attrs.define(kw_only=True)
class CancelResult(CommandResult):
    """`codex.cancel`: the threads whose turns were cancelled."""

    cancelled: list[str]
    text: str | Unset = UNSET


@attrs.define(kw_only=True)
class UndoResult(CommandResult):
    """`codex.undo`: the files the undone turn had changed."""

    changed_files: list[str]


@attrs.define(kw_only=True)
class ThreadEntry:
    """One saved thread in `codex.listThreads`."""

    thread_id: str
    title: str
    created: Any
    updated: Any
    items: int
    current: bool


@attrs.define(kw_only=True)
class ThreadListResult(CommandResult):
    """`codex.listThreads`: the saved threads, newest first."""

    threads: list[ThreadEntry]


@attrs.define(kw_only=True)
class ResumeResult(CommandResult):
    """`codex.resumeThread`: the resumed thread's history and transcript."""

    title: str
    items: int
    history: list[dict[str, Any]]
    transcript: list[Entry]


@attrs.define(kw_only=True)
class StatusResult(CommandResult):
    """`codex.status`: configuration, credentials, running turns, pending decisions."""

    version: str
    config: Any
    config_error: str | None
    config_problems: list[str]
    requests_blocked: Any
    instruction_problems: list[str]
    warnings: list[str]
    auth: dict[str, Any]
    workspace: list[str]
    running: list[str]
    engine: dict[str, object] = attrs.field(metadata=FLATTEN)
    """Sandbox, MCP and language servers, usage, rate limits (`Agent.status`)."""
    threads: int
    findings: int
    pending_changes: list[dict[str, Any]]
    pending_commands: list[dict[str, Any]]
    inline_completion: Any
    uptime_sec: float


@attrs.define(kw_only=True)
class DecisionResult(CommandResult):
    """A pending change or command decided (or its diff shown)."""

    change_id: str | Unset = UNSET
    command_id: str | Unset = UNSET
    text: str
    document_uri: str | Unset = UNSET


@attrs.define(kw_only=True)
class ToggleResult(CommandResult):
    """`codex.toggleInlineCompletion`: whether it is on, and advertised."""

    enabled: bool
    advertised: bool


@attrs.define(kw_only=True)
class SignedInResult(CommandResult):
    """`codex.login` succeeded: the account (mode, email, plan, id)."""

    account: dict[str, Any] = attrs.field(metadata=FLATTEN)


@attrs.define(kw_only=True)
class SignedOutResult(CommandResult):
    """`codex.logout`: what was removed, and why revoking failed if it did."""

    removed: Any
    revoke_error: str | None
