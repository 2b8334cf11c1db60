"""The `update_plan` tool: the model shares its step list; we show it to the user."""

from __future__ import annotations

from typing import Any

from codex_lsp.core.protocol import PlanUpdate
from codex_lsp.tools.base import ToolContext, ToolFailure

STATUSES = {"pending", "in_progress", "completed"}


class UpdatePlan:
    """Record the model's plan and stream it to the editor."""

    name = "update_plan"
    description = (
        "Update the task plan. Provide an optional explanation and a list of steps, "
        "each with a status of pending, in_progress or completed (at most one in_progress)."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "explanation": {"type": "string"},
            "plan": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "step": {"type": "string"},
                        "status": {"type": "string", "enum": sorted(STATUSES)},
                    },
                    "required": ["step", "status"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["plan"],
        "additionalProperties": False,
    }

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        plan = args.get("plan")
        if not isinstance(plan, list) or not plan:
            raise ToolFailure("update_plan needs a non-empty 'plan' list")
        steps: list[dict[str, str]] = []
        for item in plan:
            if not isinstance(item, dict) or not isinstance(item.get("step"), str):
                raise ToolFailure("each plan item needs a 'step' string and a 'status'")
            status = str(item.get("status", "pending"))
            if status not in STATUSES:
                raise ToolFailure(f"invalid status {status!r}; use one of {sorted(STATUSES)}")
            steps.append({"step": item["step"], "status": status})
        explanation = args.get("explanation")
        await ctx.emit(
            PlanUpdate(ctx.thread_id, steps, explanation if isinstance(explanation, str) else None)
        )
        return "Plan updated"
