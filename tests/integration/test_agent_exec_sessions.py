"""The engine and `exec_command` sessions on real processes: a session outlives its turn and is
polled in the next; cancel, thread switch and shutdown kill what the thread started; status
lists it."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from codex_lsp.agent import tasks
from tests.support.core_harness import make_core
from tests.support.scripted_model import Hold, ScriptedModel, call, reply, text
from tests.unit.test_agent_exec_sessions import DIRECT, _outputs
from tests.unit.test_shell_support import unique_sleep, wait_for_pids


def _session_id(output: str) -> int:
    match = re.search(r"Process running with session ID (\d+)", output)
    assert match is not None, output
    return int(match.group(1))


async def test_session_outlives_the_turn_and_is_polled_in_the_next(tmp_path: Path) -> None:
    token = unique_sleep()
    cmd = f"echo ready; read line; echo got $line; sleep {token}"
    model = ScriptedModel(
        reply(call("exec_command", {"cmd": cmd, "tty": True, "login": False, "yield_time_ms": 500})),
        reply(text("Started.")),
    )
    core = make_core(tmp_path, model, **DIRECT)
    await core.agent.run(tasks.run_task("start it"))
    (started,) = _outputs(model, 1)
    sid = _session_id(started)
    assert "ready" in started
    status = await core.agent.status()
    listed = status["execSessions"]
    assert isinstance(listed, list) and [s["id"] for s in listed] == [sid]

    model.script(
        reply(call("write_stdin", {"session_id": sid, "chars": "hello\n", "yield_time_ms": 1000})),
        reply(text("Answered.")),
    )
    await core.agent.run(tasks.run_task("answer it"))
    answered = _outputs(model, 3)[-1]
    assert "got hello" in answered and f"session ID {sid}" in answered

    await core.agent.aclose()
    assert await wait_for_pids(token, present=False) == []
    assert core.agent.exec_sessions.listing() == []


async def test_cancel_kills_the_sessions_of_the_turns_thread(tmp_path: Path) -> None:
    token = unique_sleep()
    model = ScriptedModel(
        reply(call("exec_command", {"cmd": f"sleep {token}", "login": False, "yield_time_ms": 250})),
        reply(text("waiting"), Hold()),
    )
    core = make_core(tmp_path, model, **DIRECT)
    turn = asyncio.create_task(core.agent.run(tasks.run_task("run")))
    await asyncio.wait_for(model.holding.wait(), 10)
    assert await wait_for_pids(token, present=True, at_least=1)
    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await turn
    assert await wait_for_pids(token, present=False) == []
    assert core.agent.exec_sessions.listing() == []


async def test_switching_threads_kills_the_previous_threads_sessions(tmp_path: Path) -> None:
    token = unique_sleep()
    model = ScriptedModel(
        reply(call("exec_command", {"cmd": f"sleep {token}", "login": False, "yield_time_ms": 250})),
        reply(text("Started.")),
    )
    core = make_core(tmp_path, model, **DIRECT)
    await core.agent.run(tasks.run_task("run"))
    first = core.thread.id
    assert await wait_for_pids(token, present=True, at_least=1)
    core.agent.new_thread()
    assert core.thread.id != first
    assert await wait_for_pids(token, present=False) == []
