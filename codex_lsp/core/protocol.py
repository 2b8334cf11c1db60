"""The contract between the agent engine and a front end (LSP server or terminal).

Operations go in as method calls on `Agent`; what happens comes out as events
passed to `AgentHost.emit`; edits are proposed to the host for review and
applied by the host. Nothing here knows about LSP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

ActionKind = Literal["shell", "mcp"]
"""What a `CommandRequest` asks to run: a shell command or an MCP tool call."""
TurnStatus = Literal["applied", "rejected", "answered", "cancelled", "failed"]
Decision = Literal["approve", "approveForSession", "reject"]


@dataclass(frozen=True)
class Snapshot:
    """A file's text as the agent saw it, with the editor's version if open."""

    text: str
    version: int | None = None


@dataclass(frozen=True)
class LineRegion:
    """Lines ``old_lines`` at line ``old_start`` (character ``old_offset``) become ``new_lines``.

    Lines keep their line endings; the first and last line of each side differ
    (no context lines at the edges).
    """

    old_start: int
    old_offset: int
    old_lines: tuple[str, ...]
    new_lines: tuple[str, ...]

    @property
    def old_end(self) -> int:
        """0-based line just after the replaced old lines."""
        return self.old_start + len(self.old_lines)


@dataclass(frozen=True)
class LineChanges:
    r"""Where an update changes its file, as its patch said: no diff needed to find it.

    Only made for an old text whose lines all end with one line ending (the
    last one too) and that has no lone ``\r``: its git lines are then its LSP
    lines, and the new text is the old one with ``regions`` spliced in.
    """

    old_line_count: int
    regions: tuple[LineRegion, ...]
    """In file order, none touching another."""


@dataclass(frozen=True)
class FileEdit:
    """One file's proposed change, resolved to absolute paths inside the workspace."""

    path: Path
    kind: Literal["add", "delete", "update"]
    old_text: str | None
    new_text: str | None
    version: int | None = None
    """Editor document version the old text came from (None: read from disk)."""
    move_to: Path | None = None
    changes: LineChanges | None = field(default=None, compare=False)
    """Where the text changes, when known without a diff (see `LineChanges`)."""


@dataclass(frozen=True)
class EditProposal:
    """A set of file edits the model wants to make, shown to the user as one diff."""

    thread_id: str
    title: str
    files: list[FileEdit]


@dataclass(frozen=True)
class Hunk:
    """One changed region: ``old_lines`` at 0-based line ``old_start`` become ``new_lines``.

    What a per-hunk answer (`ReviewDecision.hunks`) numbers; computed by
    `codex_lsp.edits.hunks`.

    Lines keep their line endings. An insertion has no ``old_lines``, a deletion
    no ``new_lines``.
    """

    index: int
    old_start: int
    old_lines: list[str]
    new_lines: list[str]

    @property
    def old_end(self) -> int:
        """0-based line just after the replaced old lines."""
        return self.old_start + len(self.old_lines)


@dataclass(frozen=True)
class ReviewDecision:
    """The user's answer to an `EditProposal`.

    `hunks` maps a file path (as str) to the hunk indices to keep; files not in
    the map keep every hunk.
    """

    decision: Decision
    hunks: dict[str, list[int]] | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ReviewedEdit:
    """A proposal with the user's decision: what `review_edit` returns and `apply_edit` writes.

    A host may return a subclass keeping what it computed to show the proposal
    (diffs, hunks, the editor's `WorkspaceEdit`): the engine hands this same
    value to `apply_edit`, so nothing is computed twice and no host keeps it aside.
    """

    proposal: EditProposal
    decision: ReviewDecision
    approved: EditProposal | None = None
    """What to write when it is not the whole proposal: the hunks the user kept (engine)."""

    @classmethod
    def unasked(cls, proposal: EditProposal) -> ReviewedEdit:
        """An edit written without asking (approval policy, session approval, undo)."""
        return cls(proposal, ReviewDecision("approve"))

    @property
    def to_write(self) -> EditProposal:
        """The approved part of the proposal."""
        return self.approved if self.approved is not None else self.proposal

    def shown_hunks(self, path: Path) -> list[Hunk] | None:
        """The hunks of `path` as the user was shown them (None: the host kept none)."""
        return None


@dataclass(frozen=True)
class ApplyOutcome:
    """What happened when the host tried to write an approved edit."""

    applied: bool
    reason: str | None = None


@dataclass(frozen=True)
class CommandRequest:
    """An action awaiting the user's approval: a shell command or an MCP tool call.

    `kind` says which, so no prompt presents one as the other. For ``"mcp"``,
    `server` and `tool` name the tool, `reason` holds the call's arguments, and
    `command` is ``["mcp", server, tool]`` (kept for clients that predate `kind`).
    """

    thread_id: str
    command: list[str]
    cwd: Path
    reason: str | None = None
    kind: ActionKind = "shell"
    server: str | None = None
    tool: str | None = None


# ---- events -------------------------------------------------------------


@dataclass(frozen=True)
class TurnStarted:
    """A turn began; `title` is a short label for progress UIs."""

    thread_id: str
    title: str
    type: str = "turnStarted"


@dataclass(frozen=True)
class AgentText:
    """Streamed answer text (already coalesced by the host if it wants)."""

    thread_id: str
    delta: str
    type: str = "text"


@dataclass(frozen=True)
class Reasoning:
    """Streamed reasoning summary ("thinking"): shown apart from the answer, never applied."""

    thread_id: str
    delta: str
    type: str = "reasoning"


@dataclass(frozen=True)
class RateLimitsUpdate:
    """The provider's usage-limit windows (`primary`, `secondary`) after a response."""

    thread_id: str
    windows: dict[str, dict[str, float]]
    type: str = "rateLimits"


@dataclass(frozen=True)
class TextReset:
    """The partial answer so far is void (the model stream was retried)."""

    thread_id: str
    type: str = "textReset"


@dataclass(frozen=True)
class ToolStep:
    """A tool started or finished; `detail` is a one-line human summary.

    On `end`, `output` is what the tool returned (capped, credentials masked),
    `exit_code` a command's exit status, and `outcome` how a tool that ended the
    turn ended it (`rejected`: the user said no; `failed`: e.g. a stale edit).
    `call_id` pairs a step's begin and end (and a history entry).
    """

    thread_id: str
    name: str
    detail: str
    phase: Literal["begin", "end"]
    ok: bool = True
    call_id: str | None = field(default=None, compare=False)
    output: str | None = field(default=None, compare=False)
    exit_code: int | None = field(default=None, compare=False)
    outcome: TurnStatus | None = None
    type: str = "tool"


@dataclass(frozen=True)
class ToolOutput:
    """The latest lines a running command printed (`codex/event` type `toolOutput`).

    Sent while `shell` / `exec_command` / `write_stdin` wait on a command, at most a
    few times a second (tools/live_output.py); `tail` is its last lines, credentials
    masked. `call_id` is the running step's.
    """

    thread_id: str
    call_id: str | None
    tail: str
    type: str = "toolOutput"


@dataclass(frozen=True)
class WebSearch:
    """The model's built-in web search (`codex/event` type `webSearch`, see wire.py)."""

    thread_id: str
    call_id: str
    phase: Literal["begin", "end"]
    detail: str
    """"Searching the web: <query>" (or opening a page, finding in one)."""
    status: str | None = None
    query: str | None = None
    sources: list[str] = field(default_factory=list)
    type: str = "webSearch"


@dataclass(frozen=True)
class PlanUpdate:
    """The model's plan (from `update_plan`)."""

    thread_id: str
    plan: list[dict[str, str]]
    explanation: str | None = None
    type: str = "plan"


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not the answer (retries, warnings)."""

    thread_id: str
    message: str
    level: Literal["info", "warning", "error"] = "info"
    type: str = "notice"


@dataclass(frozen=True)
class TurnFinished:
    """The turn ended; `status` is the command's result status."""

    thread_id: str
    status: TurnStatus
    text: str
    error: str | None = None
    changed_files: list[str] = field(default_factory=list)
    type: str = "turnFinished"


AgentEvent = (
    TurnStarted
    | AgentText
    | Reasoning
    | RateLimitsUpdate
    | TextReset
    | ToolStep
    | ToolOutput
    | WebSearch
    | PlanUpdate
    | Notice
    | TurnFinished
)


def event_to_dict(event: AgentEvent) -> dict[str, Any]:
    """JSON-safe form of an event (for `codex/event` notifications)."""
    out: dict[str, Any] = {}
    for key, value in event.__dict__.items():
        head, *rest = key.split("_")
        out[head + "".join(part.title() for part in rest)] = value
    return out


class AgentHost(Protocol):
    """What the engine needs from its front end."""

    def snapshot(self, path: Path) -> Snapshot | None:
        """The editor's buffer for `path` if it is open (unsaved text included), else None."""
        ...

    async def emit(self, event: AgentEvent) -> None:
        """Deliver an event; may wait (flow control) when the client is slow."""
        ...

    async def review_edit(self, proposal: EditProposal) -> ReviewedEdit:
        """Ask the user about a proposed edit; the answer keeps what was shown."""
        ...

    async def apply_edit(self, edit: ReviewedEdit) -> ApplyOutcome:
        """Write `edit.to_write` (editor: workspace/applyEdit; terminal: atomic writes).

        Every host checks first, through `core.disk.FreshWrites`, that no file
        changed since the agent read it.
        """
        ...

    async def approve_command(self, request: CommandRequest) -> Decision:
        """Ask the user whether a shell command (or an MCP tool call) may run."""
        ...
