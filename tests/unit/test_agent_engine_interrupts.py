"""The agent engine in process when turns are interrupted: cancel, model errors, retries."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from codex_lsp.agent import tasks
from codex_lsp.agent.turn import TurnResult
from codex_lsp.core.items import assistant_message, function_call_output, user_message
from codex_lsp.core.protocol import (
    AgentText,
    FileEdit,
    ReviewDecision,
    TextReset,
    TurnFinished,
    TurnStarted,
)
from codex_lsp.models.base import ModelRequest
from tests.support.core_harness import EDIT, NEW, OLD, PATCH, edit_script, make_core
from tests.support.fake_host import APPROVE, FakeHost
from tests.support.scripted_model import Hold, ScriptedModel, call, fail, reply, text

# ---- cancel ------------------------------------------------------------------------


async def test_cancel_mid_stream_closes_the_stream_and_the_thread_continues(tmp_path: Path) -> None:
    model = ScriptedModel(reply(text("Thinking"), Hold()))
    core = make_core(tmp_path, model)
    first = tasks.ask("first?", None)
    turn = asyncio.create_task(core.agent.run(first))
    await asyncio.wait_for(model.holding.wait(), 5)

    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await turn

    tid = core.thread.id
    assert model.streams_closed == 1
    assert core.host.events == [TurnStarted(tid, first.title), AgentText(tid, "Thinking")]
    assert core.thread.history == [user_message(first.prompt)]

    second = tasks.ask("second?", None)
    model.script(reply(text("Answer.")))
    result = await core.agent.run(second)
    assert result == TurnResult(tid, "answered", "Answer.")
    assert model.requests[1].input == [user_message(first.prompt), user_message(second.prompt)]


async def test_cancel_during_review_closes_the_call_in_history(tmp_path: Path) -> None:
    never: asyncio.Future[ReviewDecision] = asyncio.get_running_loop().create_future()
    core = make_core(tmp_path, edit_script(), FakeHost(decisions=[never]))
    core.write("hello.py", OLD)
    turn = asyncio.create_task(core.agent.run(EDIT))
    await asyncio.wait_for(core.host.asking.wait(), 5)

    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await turn

    assert core.read("hello.py") == OLD
    assert core.thread.history[-1] == function_call_output("c1", "aborted: cancelled by the user")
    assert core.thread.history[-2]["type"] == "function_call"
    assert core.host.applied == []


# ---- model errors ----------------------------------------------------------------------


async def test_a_model_error_fails_the_turn_and_the_thread_continues(tmp_path: Path) -> None:
    model = ScriptedModel(reply(text("Partial "), fail("The model failed: boom")))
    core = make_core(tmp_path, model)
    first = tasks.ask("first?", None)

    result = await core.agent.run(first)

    tid = core.thread.id
    assert result == TurnResult(tid, "failed", "", "The model failed: boom")
    assert core.host.events == [
        TurnStarted(tid, first.title),
        AgentText(tid, "Partial "),
        TurnFinished(tid, "failed", "", "The model failed: boom"),
    ]
    assert len(model.requests) == 1  # a fatal error is not retried

    second = tasks.ask("second?", None)
    model.script(reply(text("Recovered.")))
    again = await core.agent.run(second)
    assert again == TurnResult(tid, "answered", "Recovered.")
    assert model.requests[1].input == [user_message(first.prompt), user_message(second.prompt)]


async def test_a_dropped_stream_is_retried_and_the_partial_text_voided(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(text("Half an ans"), fail("stream dropped", retryable=True)),
        reply(text("Whole answer.")),
    )
    core = make_core(tmp_path, model)

    result = await core.agent.run(tasks.ask("q?", None))

    tid = core.thread.id
    assert result == TurnResult(tid, "answered", "Whole answer.")
    assert core.host.events[1:4] == [
        AgentText(tid, "Half an ans"),
        TextReset(tid),
        AgentText(tid, "Whole answer."),
    ]
    assert core.host.streamed_text == "Whole answer."
    assert model.requests[0] == model.requests[1]
    assert core.thread.history[-1] == assistant_message("Whole answer.")


async def test_retryable_errors_fail_the_turn_once_retries_run_out(tmp_path: Path) -> None:
    model = ScriptedModel(*[reply(fail("Rate limited (429)", retryable=True, status=429))] * 3)
    core = make_core(tmp_path, model)

    result = await core.agent.run(tasks.ask("q?", None))

    assert (result.status, result.error) == ("failed", "Rate limited (429)")
    assert len(model.requests) == 3  # the first try and request_max_retries=2
    assert isinstance(model.requests[0], ModelRequest)


async def test_aclose_closes_the_model_client(tmp_path: Path) -> None:
    model = ScriptedModel(reply(text("x")))
    core = make_core(tmp_path, model)
    await core.agent.run(tasks.ask("q?", None))
    assert not model.closed
    await core.agent.aclose()
    assert model.closed


async def test_a_model_error_after_an_edit_reports_it_and_keeps_it_undoable(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(call("apply_patch", {"input": PATCH}, "c1")),
        reply(fail("The model failed: boom")),
    )
    core = make_core(tmp_path, model, FakeHost(decisions=[APPROVE]))
    core.write("hello.py", OLD)

    result = await core.agent.run(EDIT)

    assert result == TurnResult(
        core.thread.id, "failed", "", "The model failed: boom", ["hello.py"]
    )
    assert core.read("hello.py") == NEW
    assert await core.agent.undo(None) == (["hello.py"], None)
    assert core.read("hello.py") == OLD


async def test_cancel_after_an_edit_was_written_keeps_it_undoable(tmp_path: Path) -> None:
    model = ScriptedModel(reply(call("apply_patch", {"input": PATCH}, "c1")), reply(Hold()))
    core = make_core(tmp_path, model, FakeHost(decisions=[APPROVE]))
    core.write("hello.py", OLD)
    turn = asyncio.create_task(core.agent.run(EDIT))
    await asyncio.wait_for(model.holding.wait(), 5)

    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await turn

    assert core.read("hello.py") == NEW
    assert core.thread.last_applied == [FileEdit(core.path("hello.py"), "update", OLD, NEW)]
    assert await core.agent.undo(None) == (["hello.py"], None)
    assert core.read("hello.py") == OLD
