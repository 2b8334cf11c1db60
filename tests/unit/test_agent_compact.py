"""Compaction: a history over the limit is summarised by the model before the next request."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.agent import tasks
from codex_lsp.agent.compact import (
    SUMMARY_PREFIX,
    SUMMARY_REQUEST,
    compact,
    compact_limit,
    estimate_tokens,
)
from codex_lsp.agent.engine import Agent
from codex_lsp.agent.thread import Thread
from codex_lsp.agent.turn import TurnResult
from codex_lsp.core.items import assistant_message, user_message
from codex_lsp.core.protocol import Notice, TurnFinished
from tests.support.core_harness import make_core
from tests.support.fake_host import FakeHost
from tests.support.scripted_model import ScriptedModel, fail, reply, text

LONG = tasks.ask("Explain this: " + "x" * 400, None)
NEXT = tasks.ask("And then?", None)
NOTICE = "Compacting the conversation (it nears the context window)."


def test_the_estimate_counts_text_not_its_json_escapes() -> None:
    escaped = [user_message('\n"' * 200)]
    plain = [user_message("ab" * 200)]
    assert estimate_tokens(escaped) == estimate_tokens(plain)
    assert 1_000 <= estimate_tokens([user_message("x" * 4_000)]) <= 1_010  # ~4 chars a token


def test_the_limit_comes_from_the_config_or_the_context_window() -> None:
    assert compact_limit(5_000, 100_000) == 5_000
    assert compact_limit(None, 100_000) == 80_000
    assert compact_limit(None, None) == 160_000


async def test_compact_replaces_the_history_with_the_summary_and_the_current_request() -> None:
    model = ScriptedModel(reply(text("  Renamed x; tests remain. ")))
    history = [user_message("Rename x"), assistant_message("Done."), user_message("Now tests")]
    thread = Thread(history=list(history))

    summary = await compact(thread, model, "m", "instr")

    assert summary == "Renamed x; tests remain."
    assert thread.history == [
        user_message(SUMMARY_PREFIX + "Renamed x; tests remain."),
        user_message("Now tests"),
    ]
    [request] = model.requests
    assert (request.model, request.instructions, request.tools) == ("m", "instr", [])
    assert request.input == [*history, user_message(SUMMARY_REQUEST)]


async def test_a_history_over_the_limit_is_compacted_before_the_next_request(
    tmp_path: Path,
) -> None:
    model = ScriptedModel(reply(text("First answer.")))
    core = make_core(tmp_path, model, model_auto_compact_token_limit=50)
    await core.agent.run(LONG)
    assert len(model.requests) == 1  # one user message is never compacted
    model.script(reply(text("SUMMARY")), reply(text("Second answer.")))

    result = await core.agent.run(NEXT)

    tid = core.thread.id
    assert result == TurnResult(tid, "answered", "Second answer.")
    _, summarise, second = model.requests
    assert summarise.tools == []
    assert summarise.input == [
        user_message(LONG.prompt),
        assistant_message("First answer."),
        user_message(NEXT.prompt),
        user_message(SUMMARY_REQUEST),
    ]
    compacted = [user_message(SUMMARY_PREFIX + "SUMMARY"), user_message(NEXT.prompt)]
    assert second.input == compacted
    assert core.host.of_type(Notice) == [Notice(tid, NOTICE)]
    assert core.host.streamed_text.endswith("Second answer.")
    assert core.thread.history == [*compacted, assistant_message("Second answer.")]

    resumed = Agent(core.agent.loaded, core.agent.workspace, FakeHost()).resume(tid)
    assert resumed.history == core.thread.history


async def test_a_history_under_the_limit_is_sent_whole(tmp_path: Path) -> None:
    model = ScriptedModel(reply(text("First answer.")), reply(text("Second answer.")))
    core = make_core(tmp_path, model)
    await core.agent.run(LONG)
    await core.agent.run(NEXT)

    assert model.requests[1].input == [
        user_message(LONG.prompt),
        assistant_message("First answer."),
        user_message(NEXT.prompt),
    ]
    assert core.host.of_type(Notice) == []


async def test_a_failed_compaction_fails_the_turn_and_keeps_the_history(tmp_path: Path) -> None:
    model = ScriptedModel(reply(text("First answer.")))
    core = make_core(tmp_path, model, model_auto_compact_token_limit=50)
    await core.agent.run(LONG)
    model.script(reply(fail("The model failed: context_length_exceeded")))

    result = await core.agent.run(NEXT)

    tid = core.thread.id
    error = "Compaction failed: The model failed: context_length_exceeded"
    assert result == TurnResult(tid, "failed", "", error)
    assert core.host.events[-1] == TurnFinished(tid, "failed", "", error)
    assert core.thread.history == [
        user_message(LONG.prompt),
        assistant_message("First answer."),
        user_message(NEXT.prompt),
    ]


async def test_a_summary_stream_that_was_retried_keeps_only_the_final_attempt() -> None:
    model = ScriptedModel(
        reply(text("Half a summ"), fail("stream dropped", retryable=True)),
        reply(text("The whole summary.")),
    )
    thread = Thread(history=[user_message("Rename x"), assistant_message("Done.")])

    summary = await compact(thread, model, "m", "instr")

    assert summary == "The whole summary."
    assert thread.history == [
        user_message(SUMMARY_PREFIX + "The whole summary."),
        user_message("Rename x"),
    ]
    assert len(model.requests) == 2
