"""A thread's goal (Codex's `ThreadGoal`): an objective pursued across turns, with usage.

Codex 0.169 keeps one goal per thread. The model creates it (`create_goal`),
reads it (`get_goal`) and marks it complete, blocked or paused
(`update_goal`); the system sets `budgetLimited` once the tokens used since
creation reach the budget. Tokens are counted as Codex counts them: each
response's non-cached input plus output, while the goal is active; time is the
wall-clock time of the turns that ran while it was active. Field and status
names are Codex's JSON (camelCase), so the model sees what it was trained on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from codex_lsp.agent.usage import usage_counts

STATUSES = ("active", "paused", "blocked", "usageLimited", "budgetLimited", "complete")
"""Codex's `ThreadGoalStatus` values, as serialized."""
MODEL_STATUSES = ("complete", "blocked", "paused")
"""The statuses `update_goal` may set; the rest belong to the user or the system."""
MAX_OBJECTIVE_CHARS = 4000


class GoalError(ValueError):
    """A goal request refused; the message is for the model (it may correct itself)."""


@dataclass
class ThreadGoal:
    """One thread's goal and what has been spent on it."""

    thread_id: str
    objective: str
    status: str = "active"
    token_budget: int | None = None
    tokens_used: int = 0
    time_used: float = 0.0
    """Seconds of turns run while active (shown whole, as Codex's `timeUsedSeconds`)."""
    created_at: int = field(default_factory=lambda: int(time.time()))
    updated_at: int = field(default_factory=lambda: int(time.time()))
    clock: float | None = field(default=None, compare=False)
    """Since when the running turn's time is not yet counted (None between turns)."""

    def to_json(self) -> dict[str, Any]:
        """Codex's JSON of a `ThreadGoal`."""
        return {
            "threadId": self.thread_id,
            "objective": self.objective,
            "status": self.status,
            "tokenBudget": self.token_budget,
            "tokensUsed": self.tokens_used,
            "timeUsedSeconds": int(self.time_used),
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }

    def to_record(self) -> dict[str, Any]:
        """What the thread file keeps (the exact seconds, so they add up across resumes)."""
        return {**self.to_json(), "timeUsedSeconds": self.time_used}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ThreadGoal | None:
        """Inverse of `to_record`; None for a record this version cannot read."""
        objective, status = data.get("objective"), data.get("status")
        if not isinstance(objective, str) or status not in STATUSES:
            return None
        budget = data.get("tokenBudget")
        return cls(
            thread_id=str(data.get("threadId") or ""),
            objective=objective,
            status=str(status),
            token_budget=budget if isinstance(budget, int) else None,
            tokens_used=_number(data.get("tokensUsed")),
            time_used=float(_number(data.get("timeUsedSeconds"))),
            created_at=_number(data.get("createdAt")),
            updated_at=_number(data.get("updatedAt")),
        )

    def remaining_tokens(self) -> int | None:
        """Budget left (never below zero), or None without a budget."""
        if self.token_budget is None:
            return None
        return max(self.token_budget - self.tokens_used, 0)

    def start_clock(self, now: float) -> None:
        """A turn starts: its time counts while the goal is active."""
        self.clock = now if self.status == "active" else None

    def account(self, tokens: int, now: float) -> bool:
        """Count spent tokens and time; True when this spends the budget (now `budgetLimited`)."""
        if self.status != "active":
            return False
        if self.clock is not None:
            self.time_used += max(now - self.clock, 0.0)
            self.clock = now
        self.tokens_used += tokens
        self.updated_at = int(now)
        if self.token_budget is not None and self.tokens_used >= self.token_budget:
            self.status = "budgetLimited"
            return True
        return False

    def set_status(self, status: str, now: float) -> None:
        """The model's `update_goal`; budget limits take precedence over pausing."""
        self.account(0, now)
        if self.status == "budgetLimited" and status == "paused":
            return
        self.status = status
        self.clock = None if status != "active" else self.clock
        self.updated_at = int(now)


def _number(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def goal_tokens(usage: dict[str, Any]) -> int:
    """Tokens a response spends on a goal, as Codex counts them: non-cached input + output."""
    counts = usage_counts(usage)
    return max(counts["inputTokens"] - counts["cachedTokens"], 0) + counts["outputTokens"]


def new_goal(
    current: ThreadGoal | None, thread_id: str, objective: Any, budget: Any, now: float
) -> ThreadGoal:
    """A fresh active goal, or the reason `create_goal` refuses (as Codex words it)."""
    if current is not None and current.status != "complete":
        raise GoalError(
            "cannot create a new goal because this thread has an unfinished goal; "
            "complete the existing goal first"
        )
    if not isinstance(objective, str) or not objective.strip():
        raise GoalError("goal objective must not be empty")
    if len(objective) > MAX_OBJECTIVE_CHARS:
        raise GoalError(f"goal objective must be at most {MAX_OBJECTIVE_CHARS} characters")
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0
    ):
        raise GoalError("goal token_budget must be a positive integer")
    goal = ThreadGoal(thread_id, objective.strip(), token_budget=budget)
    goal.created_at = goal.updated_at = int(now)
    goal.clock = now
    return goal


def goal_response(goal: ThreadGoal | None, report_completion: bool = False) -> dict[str, Any]:
    """What a goal tool returns (Codex's `GoalToolResponse`)."""
    report = None
    if report_completion and goal is not None and goal.status == "complete":
        report = completion_report(goal)
    return {
        "goal": goal.to_json() if goal is not None else None,
        "remainingTokens": goal.remaining_tokens() if goal is not None else None,
        "completionBudgetReport": report,
    }


def completion_report(goal: ThreadGoal) -> str | None:
    """The usage the model should report on completing a goal (Codex's wording)."""
    parts = []
    if goal.token_budget is not None:
        parts.append(f"tokens used: {goal.tokens_used} of {goal.token_budget}")
    if int(goal.time_used) > 0:
        parts.append(f"time used: {int(goal.time_used)} seconds")
    if not parts:
        return None
    return f"Goal achieved. Report final budget usage to the user: {'; '.join(parts)}."


def goal_summary(goal: ThreadGoal | None) -> dict[str, Any] | None:
    """The goal as `codex.status` shows it: objective, status and what it has used."""
    if goal is None:
        return None
    shown = goal.to_json()
    return {
        key: shown[key]
        for key in ("objective", "status", "tokenBudget", "tokensUsed", "timeUsedSeconds")
    }
