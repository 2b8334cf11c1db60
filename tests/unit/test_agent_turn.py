"""The turn loop in process: tool calls, their outputs fed back to the model, bad calls, step cap
(turns that run real shell commands: tests/integration/test_agent_turn.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codex_lsp.agent import tasks
from codex_lsp.agent.turn import TurnResult
from codex_lsp.config import load_config
from codex_lsp.core.items import (
    assistant_message,
    function_call,
    function_call_output,
    user_message,
)
from codex_lsp.core.protocol import Notice, PlanUpdate, ToolStep
from codex_lsp.models.base import ModelRequest, ToolCall
from codex_lsp.tools.base import ToolContext
from codex_lsp.tools.registry import default_tools
from tests.support.core_harness import Core, make_core
from tests.support.fake_host import REJECT, FakeHost
from tests.support.scripted_model import ScriptedModel, call, fail, reply, text

TASK = tasks.run_task("Look around")


def last_output(request: ModelRequest) -> dict[str, Any]:
    """The last input item of a request (the output of the call before it)."""
    return request.input[-1]


async def run_calls(
    tmp_path: Path, *calls: ToolCall, host: FakeHost | None = None, **config: Any
) -> Core:
    """One model step making `calls`, then a final answer; the turn has run."""
    model = ScriptedModel(reply(*calls), reply(text("Finished.")))
    core = make_core(tmp_path, model, host, **config)
    core.write("a.txt", "one\ntwo\n")
    await core.agent.run(TASK)
    return core


async def test_tool_output_is_fed_back_in_the_next_request(tmp_path: Path) -> None:
    read = call("read_file", {"path": "a.txt"}, "r1")
    core = await run_calls(tmp_path, read)

    tid = core.thread.id
    first, second = core.model.requests
    assert first.input == [user_message(TASK.prompt)]
    assert second.input == [
        user_message(TASK.prompt),
        function_call("r1", "read_file", '{"path": "a.txt"}'),
        function_call_output("r1", "L1: one\nL2: two"),
    ]
    assert second.tools == first.tools
    assert core.host.of_type(ToolStep) == [
        ToolStep(tid, "read_file", "read_file a.txt", "begin"),
        ToolStep(tid, "read_file", "read_file a.txt", "end"),
    ]
    assert core.thread.history == [*second.input, assistant_message("Finished.")]


async def test_an_open_buffer_is_what_read_file_returns(tmp_path: Path) -> None:
    host = FakeHost()
    model = ScriptedModel(reply(call("read_file", {"path": "a.txt"}, "r1")), reply(text("ok")))
    core = make_core(tmp_path, model, host)
    path = core.write("a.txt", "on disk\n")
    host.open_document(path, "unsaved\nbuffer\n", version=4)

    await core.agent.run(TASK)

    assert last_output(model.requests[1]) == function_call_output("r1", "L1: unsaved\nL2: buffer")


async def test_edit_turn_offers_the_editing_tools(tmp_path: Path) -> None:
    core = await run_calls(tmp_path)
    tools = {t.name: t for t in core.model.requests[0].tools}
    # gpt-5.5 (the default model) gets Codex 0.169's tools (codex_lsp.tools.toolsets).
    assert sorted(tools) == [
        "apply_patch",
        "exec_command",
        "request_user_input",
        "update_plan",
        "view_image",
        "write_stdin",
    ]
    assert core.model.requests[0].hosted_tools == [
        {"type": "web_search", "external_web_access": False, "search_content_types": ["text", "image"]}
    ]
    # apply_patch as a freeform tool, as from Codex.
    assert tools["apply_patch"].grammar is not None
    assert tools["apply_patch"].grammar.startswith("start: begin_patch hunk+ end_patch")
    assert tools["exec_command"].parameters["required"] == ["cmd"]


async def test_other_models_are_offered_codex_lsps_own_tools(tmp_path: Path) -> None:
    model = ScriptedModel(reply(text("Finished.")))
    core = make_core(tmp_path, model)
    core.agent.reconfigure(
        load_config(
            home=tmp_path / "home", env={"OPENAI_API_KEY": "sk-test"}, overrides={"model": "gpt-4.1"}
        )
    )
    await core.agent.run(TASK)
    tools = {t.name: t for t in core.model.requests[0].tools}
    assert sorted(tools) == [
        "apply_patch",
        "grep_files",
        "list_dir",
        "read_file",
        "shell",
        "update_plan",
    ]
    assert tools["shell"].parameters["properties"]["command"]["type"] == "array"


async def test_apply_patch_tool_type_function_declares_a_function_tool(tmp_path: Path) -> None:
    core = await run_calls(tmp_path, apply_patch_tool_type="function")
    tools = {t.name: t for t in core.model.requests[0].tools}
    assert tools["apply_patch"].grammar is None
    assert tools["apply_patch"].parameters["required"] == ["input"]


async def test_unknown_tool_gets_an_error_output_and_the_turn_goes_on(tmp_path: Path) -> None:
    core = await run_calls(tmp_path, call("frobnicate", {"x": 1}, "u1"))

    assert last_output(core.model.requests[1]) == function_call_output(
        "u1",
        "Error: unknown tool 'frobnicate'. Available: apply_patch, exec_command, "
        "request_user_input, update_plan, view_image, write_stdin",
    )
    assert core.host.of_type(ToolStep) == []
    assert core.thread.history[-1] == assistant_message("Finished.")


async def test_a_question_cannot_call_apply_patch(tmp_path: Path) -> None:
    patch = "*** Begin Patch\n*** Add File: x.txt\n+x\n*** End Patch"
    model = ScriptedModel(reply(call("apply_patch", {"input": patch}, "p1")), reply(text("Sorry.")))
    core = make_core(tmp_path, model)

    result = await core.agent.run(tasks.ask("Just answer", None))

    assert result.status == "answered"
    output = last_output(model.requests[1])["output"]
    assert output.startswith("Error: unknown tool 'apply_patch'. Available: grep_files, list_dir")
    assert not core.path("x.txt").exists()
    assert core.host.calls == []


async def test_non_json_arguments_get_an_error_output(tmp_path: Path) -> None:
    core = await run_calls(tmp_path, call("read_file", '{"path": "a.txt"', "j1"))

    output = last_output(core.model.requests[1])
    assert output["call_id"] == "j1"
    assert output["output"].startswith("Error: arguments are not valid JSON (")
    assert output["output"].endswith("); call read_file again.")
    assert core.host.of_type(ToolStep) == []


async def test_arguments_that_are_not_an_object_get_an_error_output(tmp_path: Path) -> None:
    core = await run_calls(tmp_path, call("read_file", '["a.txt"]', "j2"))
    assert last_output(core.model.requests[1]) == function_call_output(
        "j2", "Error: arguments must be a JSON object."
    )


async def test_a_failing_tool_reports_to_the_model_and_the_user(tmp_path: Path) -> None:
    core = await run_calls(tmp_path, call("read_file", {"path": "missing.txt"}, "m1"))

    tid = core.thread.id
    missing = core.path("missing.txt")
    assert last_output(core.model.requests[1]) == function_call_output(
        "m1", f"Error: file not found: {missing}"
    )
    assert core.host.of_type(ToolStep)[-1] == ToolStep(
        tid, "read_file", f"read_file missing.txt: file not found: {missing}", "end", ok=False
    )


async def test_a_path_outside_the_workspace_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("top secret\n")
    core = await run_calls(tmp_path, call("read_file", {"path": "../secret.txt"}, "o1"))

    output = last_output(core.model.requests[1])["output"]
    assert output.startswith("Error: ../secret.txt is outside the workspace")
    assert "top secret" not in json.dumps([r.input for r in core.model.requests])


async def test_update_plan_shows_the_plan(tmp_path: Path) -> None:
    plan = [{"step": "read", "status": "completed"}, {"step": "edit", "status": "in_progress"}]
    core = await run_calls(
        tmp_path, call("update_plan", {"plan": plan, "explanation": "why"}, "p1")
    )

    tid = core.thread.id
    assert core.host.of_type(PlanUpdate) == [PlanUpdate(tid, plan, "why")]
    assert last_output(core.model.requests[1]) == function_call_output("p1", "Plan updated")


async def test_calls_after_one_that_ends_the_turn_are_skipped(tmp_path: Path) -> None:
    patch = "*** Begin Patch\n*** Add File: x.txt\n+x\n*** End Patch"
    host = FakeHost(decisions=[REJECT])
    model = ScriptedModel(
        reply(
            call("apply_patch", {"input": patch}, "p1"),
            call("read_file", {"path": "a.txt"}, "r1"),
        )
    )
    core = make_core(tmp_path, model, host)

    result = await core.agent.run(TASK)

    assert result.status == "rejected"
    assert core.thread.history[1:] == [
        function_call("p1", "apply_patch", json.dumps({"input": patch})),
        function_call_output("p1", "patch rejected by user"),
        function_call("r1", "read_file", '{"path": "a.txt"}'),
        function_call_output("r1", "skipped: the turn ended"),
    ]
    assert len(model.requests) == 1


async def test_the_step_cap_fails_a_turn_that_never_stops(tmp_path: Path) -> None:
    plan = {"plan": [{"step": "again", "status": "in_progress"}]}
    model = ScriptedModel(
        reply(text("Step."), call("update_plan", plan)), reply(call("update_plan", plan))
    )
    core = make_core(tmp_path, model, max_turn_steps=2)

    result = await core.agent.run(TASK)

    assert result == TurnResult(
        core.thread.id,
        "failed",
        "Step.",
        "Stopped after 2 model steps without finishing (max_turn_steps).",
    )
    assert len(model.requests) == 2
    assert core.thread.history[-1]["type"] == "function_call_output"
    assert core.host.of_type(Notice) == []


async def test_several_calls_in_one_step_run_in_order(tmp_path: Path) -> None:
    core = await run_calls(
        tmp_path,
        call("read_file", {"path": "a.txt", "limit": 1}, "r1"),
        call("list_dir", {}, "l1"),
    )

    assert core.model.requests[1].input[1:] == [
        function_call("r1", "read_file", '{"path": "a.txt", "limit": 1}'),
        function_call_output("r1", "L1: one\n... (1 more lines)"),
        function_call("l1", "list_dir", "{}"),
        function_call_output("l1", "a.txt"),
    ]


async def test_a_call_from_a_dropped_stream_is_not_run(tmp_path: Path) -> None:
    plan = {"plan": [{"step": "never shown", "status": "pending"}]}
    model = ScriptedModel(
        reply(call("update_plan", plan, "p1"), fail("stream dropped", retryable=True)),
        reply(text("Answer after the retry.")),
    )
    core = make_core(tmp_path, model)

    result = await core.agent.run(TASK)

    assert result == TurnResult(core.thread.id, "answered", "Answer after the retry.")
    assert core.host.of_type(PlanUpdate) == []
    assert core.thread.history == [
        user_message(TASK.prompt),
        assistant_message("Answer after the retry."),
    ]


class Crashing:
    """A tool with a bug: the turn must survive it and tell the model."""

    name = "crashing"
    description = "Always crashes."
    parameters: dict[str, Any] = {"type": "object", "properties": {}}

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        raise RuntimeError("index out of range")


async def test_a_crashing_tool_becomes_an_error_output(tmp_path: Path) -> None:
    model = ScriptedModel(reply(call("crashing", {}, "x1")), reply(text("Moving on.")))
    core = make_core(tmp_path, model)
    core.agent.tools = default_tools().with_tools([Crashing()])

    result = await core.agent.run(TASK)

    tid = core.thread.id
    assert result.status == "answered"
    assert last_output(model.requests[1]) == function_call_output(
        "x1", "Error: the tool failed unexpectedly: index out of range"
    )
    assert core.host.of_type(ToolStep)[-1] == ToolStep(
        tid, "crashing", "crashing: index out of range", "end", ok=False
    )
