"""The goal tools in process: a scripted model creates, reads and updates the thread's goal;
usage is counted as Codex counts it, the budget limits it, and it survives a resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codex_lsp.agent import tasks
from codex_lsp.agent.goal import ThreadGoal, goal_summary
from codex_lsp.agent.thread import Thread
from tests.support.core_harness import make_core
from tests.support.scripted_model import ScriptedModel, call, reply, text

UNFINISHED = "Error: " + (  # codex-lsp prefixes every refused call
    "cannot create a new goal because this thread has an unfinished goal; "
    "complete the existing goal first"
)


def usage(inputs: int, cached: int, outputs: int) -> dict[str, Any]:
    """A Responses `usage` object."""
    return {
        "input_tokens": inputs,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": outputs,
        "total_tokens": inputs + outputs,
    }


def outputs(model: ScriptedModel, index: int) -> list[str]:
    """The function_call_output texts of request `index`."""
    return [
        str(item["output"])
        for item in model.requests[index].input
        if isinstance(item, dict) and item.get("type") == "function_call_output"
    ]


async def test_create_then_get_returns_codex_shaped_json(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(call("create_goal", {"objective": "Ship the parser", "token_budget": 5000}, "c1")),
        reply(call("get_goal", {}, "c2")),
        reply(text("ok")),
    )
    core = make_core(tmp_path, model)
    await core.agent.run(tasks.run_task("set a goal"))
    created = json.loads(outputs(model, 1)[-1])
    got = json.loads(outputs(model, 2)[-1])
    assert set(created) == {"goal", "remainingTokens", "completionBudgetReport"}
    assert created["goal"]["objective"] == "Ship the parser"
    assert created["goal"]["status"] == "active"
    assert created["goal"]["threadId"] == core.thread.id
    assert created["goal"]["tokenBudget"] == 5000 and created["goal"]["tokensUsed"] == 0
    assert created["remainingTokens"] == 5000 and created["completionBudgetReport"] is None
    assert got["goal"]["objective"] == "Ship the parser" and got["goal"]["status"] == "active"
    assert outputs(model, 1)[-1].startswith('{\n  "goal": {')  # pretty, as serde's


async def test_get_without_goal_is_null(tmp_path: Path) -> None:
    model = ScriptedModel(reply(call("get_goal", {}, "c1")), reply(text("ok")))
    await make_core(tmp_path, model).agent.run(tasks.run_task("goal?"))
    assert json.loads(outputs(model, 1)[-1]) == {
        "goal": None,
        "remainingTokens": None,
        "completionBudgetReport": None,
    }


async def test_create_refused_while_unfinished_then_allowed_after_complete(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(call("create_goal", {"objective": "first", "token_budget": 1000}, "c1")),
        reply(call("create_goal", {"objective": "second"}, "c2")),
        reply(call("update_goal", {"status": "complete"}, "c3")),
        reply(call("create_goal", {"objective": "second"}, "c4")),
        reply(text("ok")),
    )
    core = make_core(tmp_path, model)
    await core.agent.run(tasks.run_task("goals"))
    assert outputs(model, 2)[-1] == UNFINISHED
    completed = json.loads(outputs(model, 3)[-1])
    assert completed["goal"]["status"] == "complete"
    assert completed["completionBudgetReport"].startswith(
        "Goal achieved. Report final budget usage to the user: tokens used: "
    )
    assert json.loads(outputs(model, 4)[-1])["goal"]["objective"] == "second"
    assert core.thread.goal is not None and core.thread.goal.status == "active"


async def test_update_cannot_resume_and_needs_a_goal(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(call("update_goal", {"status": "paused"}, "c1")),
        reply(call("create_goal", {"objective": "x"}, "c2")),
        reply(call("update_goal", {"status": "active"}, "c3")),
        reply(call("update_goal", {"status": "blocked"}, "c4")),
        reply(call("create_goal", {"objective": "y", "token_budget": 0}, "c5")),
        reply(text("ok")),
    )
    core = make_core(tmp_path, model)
    await core.agent.run(tasks.run_task("goals"))
    assert "has no goal" in outputs(model, 1)[-1]
    assert "controlled by the user or system" in outputs(model, 3)[-1]
    assert json.loads(outputs(model, 4)[-1])["goal"]["status"] == "blocked"
    assert outputs(model, 5)[-1] == UNFINISHED  # blocked is unfinished


async def test_usage_counts_uncached_input_and_output_until_the_budget(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(
            call("create_goal", {"objective": "o", "token_budget": 100}, "c1"),
            usage=usage(500, 0, 5),
        ),
        reply(call("get_goal", {}, "c2"), usage=usage(100, 40, 20)),
        reply(call("get_goal", {}, "c3"), usage=usage(100, 60, 30)),
        reply(text("done"), usage=usage(50, 0, 50)),
    )
    core = make_core(tmp_path, model)
    await core.agent.run(tasks.run_task("budget"))
    first = json.loads(outputs(model, 2)[-1])
    assert first["goal"]["tokensUsed"] == 80 and first["remainingTokens"] == 20
    second = json.loads(outputs(model, 3)[-1])
    assert second["goal"]["tokensUsed"] == 150 and second["remainingTokens"] == 0
    assert second["goal"]["status"] == "budgetLimited"
    goal = core.thread.goal
    assert goal is not None and goal.tokens_used == 150  # a limited goal stops counting


async def test_goal_survives_reload_and_shows_in_status(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(call("create_goal", {"objective": "keep me", "token_budget": 900}, "c1")),
        reply(text("ok"), usage=usage(10, 0, 10)),
    )
    core = make_core(tmp_path, model)
    await core.agent.run(tasks.run_task("goal"))
    loaded, _cwd, _applied = core.agent.store.load(core.thread.id)
    assert loaded.goal is not None
    assert (loaded.goal.objective, loaded.goal.status, loaded.goal.tokens_used) == (
        "keep me",
        "active",
        20,
    )
    assert goal_summary(loaded.goal) == {
        "objective": "keep me",
        "status": "active",
        "tokenBudget": 900,
        "tokensUsed": 20,
        "timeUsedSeconds": int(loaded.goal.time_used),
    }
    assert goal_summary(None) is None


def test_time_counts_only_during_turns_while_active() -> None:
    thread = Thread()
    thread.goal = ThreadGoal(thread.id, "o")
    thread.goal.start_clock(100.0)
    thread.goal.account(0, 130.0)
    thread.goal.start_clock(1000.0)  # the idle gap between turns is not counted
    thread.goal.account(0, 1010.0)
    thread.goal.set_status("paused", 1020.0)
    thread.goal.account(5, 2000.0)  # paused: nothing counted
    assert (thread.goal.time_used, thread.goal.tokens_used) == (50.0, 0)
    assert ThreadGoal.from_record(thread.goal.to_record()) == thread.goal
