"""`get_goal`, `create_goal`, `update_goal`: the thread's goal, as Codex 0.169 offers it.

Outputs are Codex's `GoalToolResponse` as pretty JSON text (`goal`,
`remainingTokens`, `completionBudgetReport`); refusals go back to the model
as the call's output, as Codex's do. The goal lives on the thread (see
`agent.goal`); goal turns are not continued automatically.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from codex_lsp.agent.goal import MODEL_STATUSES, GoalError, goal_response, new_goal
from codex_lsp.tools.base import ToolContext, ToolFailure
from codex_lsp.tools.goal_schemas import (
    CREATE_GOAL_DESCRIPTION,
    CREATE_GOAL_PARAMETERS,
    GET_GOAL_DESCRIPTION,
    GET_GOAL_PARAMETERS,
    UPDATE_GOAL_DESCRIPTION,
    UPDATE_GOAL_PARAMETERS,
)

if TYPE_CHECKING:
    from codex_lsp.agent.thread import Thread


def _thread(ctx: ToolContext) -> Thread:
    if ctx.thread is None:
        raise ToolFailure("goals are not available here (this call has no thread)")
    return ctx.thread


def _text(response: dict[str, Any]) -> str:
    return json.dumps(response, indent=2, ensure_ascii=False)


class GetGoalTool:
    """The thread's goal and its usage."""

    name = "get_goal"
    description = GET_GOAL_DESCRIPTION
    parameters = GET_GOAL_PARAMETERS

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        return _text(goal_response(_thread(ctx).goal))


class CreateGoalTool:
    """Start an active goal (refused while an unfinished one exists)."""

    name = "create_goal"
    description = CREATE_GOAL_DESCRIPTION
    parameters = CREATE_GOAL_PARAMETERS

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        thread = _thread(ctx)
        try:
            goal = new_goal(
                thread.goal, thread.id, args.get("objective"), args.get("token_budget"), time.time()
            )
        except GoalError as err:
            raise ToolFailure(str(err)) from None
        thread.goal = goal
        thread.save_goal()
        return _text(goal_response(goal))


class UpdateGoalTool:
    """Mark the goal complete, blocked or paused; resuming and limits are the user's/system's."""

    name = "update_goal"
    description = UPDATE_GOAL_DESCRIPTION
    parameters = UPDATE_GOAL_PARAMETERS

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        thread = _thread(ctx)
        status = args.get("status")
        if status not in MODEL_STATUSES:
            raise ToolFailure(
                "update_goal can only mark the existing goal complete, blocked, or paused; "
                "resume, budget-limited, and usage-limited status changes are controlled "
                "by the user or system"
            )
        if thread.goal is None:
            raise ToolFailure("this thread has no goal; create_goal starts one when the user asks")
        thread.goal.set_status(str(status), time.time())
        thread.save_goal()
        return _text(goal_response(thread.goal, report_completion=True))
