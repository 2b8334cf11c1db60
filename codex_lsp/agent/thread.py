"""A conversation thread: its id, its history (`core.items`), its approvals."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codex_lsp.agent.goal import ThreadGoal, goal_tokens
from codex_lsp.agent.usage import add_usage, empty_usage
from codex_lsp.approvals import SessionApprovals
from codex_lsp.core.items import (
    CALL_TYPES,
    OUTPUT_TYPES,
    ResponseItem,
    custom_tool_call_output,
    function_call_output,
)
from codex_lsp.core.protocol import FileEdit
from codex_lsp.jsontext import scrub_json


def new_thread_id() -> str:
    """A sortable, unique thread id."""
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"


@dataclass
class Thread:
    """One conversation; history items are what the next model request sends."""

    id: str = field(default_factory=new_thread_id)
    history: list[ResponseItem] = field(default_factory=list)
    approvals: SessionApprovals = field(default_factory=SessionApprovals)
    title: str = ""
    created: float = field(default_factory=time.time)
    last_applied: list[FileEdit] = field(default_factory=list)
    """Edits of the last turn that changed files: what `codex.undo` reverts."""
    on_add: Callable[[ResponseItem], None] | None = field(default=None, repr=False, compare=False)
    """Persists each item as it is added (see `ThreadStore`)."""
    on_compact: Callable[[list[ResponseItem]], None] | None = field(
        default=None, repr=False, compare=False
    )
    """Persists a compacted history."""
    usage: dict[str, int] = field(default_factory=empty_usage)
    """Token usage of every response of the thread, summed (see `agent.usage`)."""
    on_usage: Callable[[dict[str, int]], None] | None = field(
        default=None, repr=False, compare=False
    )
    """Persists the usage totals."""
    goal: ThreadGoal | None = None
    """The thread's goal (`create_goal`), kept with the thread (see `agent.goal`)."""
    on_goal: Callable[[ThreadGoal], None] | None = field(default=None, repr=False, compare=False)
    """Persists the goal after each change."""

    def add_usage(self, usage: dict[str, Any] | None) -> None:
        """Count one response's usage (and persist the new totals), also on an active goal."""
        if not isinstance(usage, dict):
            return
        add_usage(self.usage, usage)
        if self.on_usage is not None:
            self.on_usage(dict(self.usage))
        if self.goal is not None and self.goal.status == "active":
            self.goal.account(goal_tokens(usage), time.time())
            self.save_goal()

    def start_goal_clock(self) -> None:
        """A turn starts: an active goal counts its time from now."""
        if self.goal is not None:
            self.goal.start_clock(time.time())

    def save_goal(self) -> None:
        """Persist the goal as it is now."""
        if self.goal is not None and self.on_goal is not None:
            self.on_goal(self.goal)

    def add(self, item: ResponseItem) -> None:
        """Append one history item (and persist it).

        Lone surrogates (from an editor's JSON or the model's) are replaced here,
        where text enters the history: unencodable, they broke every later save
        and request of the thread.
        """
        item = scrub_json(item)
        self.history.append(item)
        if self.on_add is not None:
            self.on_add(item)


ABORTED_OUTPUT = "aborted"
"""Output given to a call whose tool never finished (the server died mid-call), as Codex does."""


def repair_history(history: list[ResponseItem]) -> int:
    """Give each tool call without an output an "aborted" one, right after it.

    A crash while a tool runs leaves its call saved without output; the
    Responses API rejects such a history. Outputs whose call does not come
    before them are dropped for the same reason. Returns how many items were
    added or dropped.
    """
    called: set[Any] = set()
    kept: list[ResponseItem] = []
    for item in history:
        kind = item.get("type")
        if kind in CALL_TYPES:
            called.add(item.get("call_id"))
        elif kind in OUTPUT_TYPES and item.get("call_id") not in called:
            continue
        kept.append(item)
    answered = {i.get("call_id") for i in kept if i.get("type") in OUTPUT_TYPES}
    repaired: list[ResponseItem] = []
    for item in kept:
        repaired.append(item)
        if item.get("type") in CALL_TYPES and item.get("call_id") not in answered:
            call_id = str(item.get("call_id"))
            if item.get("type") == "custom_tool_call":
                repaired.append(custom_tool_call_output(call_id, ABORTED_OUTPUT))
            else:
                repaired.append(function_call_output(call_id, ABORTED_OUTPUT))
    changes = len(history) - len(kept) + len(repaired) - len(kept)
    history[:] = repaired
    return changes
