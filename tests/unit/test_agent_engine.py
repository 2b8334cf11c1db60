"""The agent engine in process: threads, answered / applied / rejected / partial turns."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from codex_lsp.agent import tasks
from codex_lsp.agent.engine import Agent
from codex_lsp.agent.instructions import BASE_INSTRUCTIONS
from codex_lsp.agent.store import ThreadSummary
from codex_lsp.agent.turn import TurnResult
from codex_lsp.config import load_config
from codex_lsp.core.items import (
    assistant_message,
    function_call,
    function_call_output,
    user_message,
)
from codex_lsp.core.protocol import (
    AgentText,
    EditProposal,
    FileEdit,
    ReviewDecision,
    ToolStep,
    TurnFinished,
    TurnStarted,
)
from codex_lsp.core.workspace import Workspace
from tests.support.core_harness import EDIT, NEW, OLD, PATCH, edit_script, make_core
from tests.support.fake_host import APPROVE, FakeHost
from tests.support.scripted_model import ScriptedModel, call, reply, text

BACK = """*** Begin Patch
*** Update File: hello.py
@@
 def greet(name):
-    return f'hello {name}'
+    return 'hi ' + name
*** End Patch"""
SUMMARY = "Success. Updated the following files:\nM hello.py\n"


# ---- threads ------------------------------------------------------------------


def test_new_thread_is_current_saved_and_listed(tmp_path: Path) -> None:
    core = make_core(tmp_path)
    thread = core.agent.new_thread()
    assert core.agent.current is thread
    assert core.agent.thread(None) is thread
    saved = core.agent.store.path_for(thread.id)
    assert core.agent.list_threads() == [
        ThreadSummary(thread.id, "", str(core.root), thread.created, os.path.getmtime(saved), 0)
    ]


def test_thread_by_id_finds_without_switching_and_unknown_id_is_a_key_error(
    tmp_path: Path,
) -> None:
    core = make_core(tmp_path)
    first = core.agent.new_thread()
    second = core.agent.new_thread()
    assert core.agent.current is second
    assert core.agent.thread(first.id) is first
    assert core.agent.current is second  # naming a thread does not make it current
    with pytest.raises(KeyError):
        core.agent.thread("20990101T000000-deadbeef")


# ---- answered ---------------------------------------------------------------------


async def test_ask_streams_the_answer_with_read_only_tools(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(text("It returns "), text("a greeting."), usage={"total_tokens": 7})
    )
    core = make_core(tmp_path, model)
    spec = tasks.ask("What does greet do?", None)

    result = await core.agent.run(spec)

    tid = core.thread.id
    answer = "It returns a greeting."
    assert result == TurnResult(tid, "answered", answer, None, [], {"total_tokens": 7})
    assert core.host.events == [
        TurnStarted(tid, spec.title),
        AgentText(tid, "It returns "),
        AgentText(tid, "a greeting."),
        TurnFinished(tid, "answered", answer),
    ]
    [request] = model.requests
    assert request.input == [user_message(spec.prompt)]
    assert request.instructions == BASE_INSTRUCTIONS
    assert request.model == core.agent.loaded.config.model
    assert sorted(t.name for t in request.tools) == [
        "grep_files",
        "list_dir",
        "read_file",
        "update_plan",
    ]
    assert core.thread.history == [user_message(spec.prompt), assistant_message(answer)]
    assert core.thread.title == spec.subject == "What does greet do?"
    assert core.host.calls == []


async def test_missing_api_key_fails_the_turn_without_calling_the_model(tmp_path: Path) -> None:
    loaded = load_config(home=tmp_path / "home", env={})
    model = ScriptedModel()
    host = FakeHost()
    agent = Agent(loaded, Workspace([tmp_path]), host, client_factory=lambda _l: model)

    result = await agent.run(tasks.ask("hi", None))

    assert result.status == "failed"
    assert result.error == loaded.missing_key_message()
    assert result.error is not None and "OPENAI_API_KEY" in result.error
    assert model.requests == []
    assert host.events[-1] == TurnFinished(result.thread_id, "failed", "", result.error)


# ---- edits: approve, reject, partial -------------------------------------------------


async def test_edit_turn_approved_writes_the_file_and_feeds_back_the_summary(
    tmp_path: Path,
) -> None:
    model = edit_script()
    core = make_core(tmp_path, model, FakeHost(decisions=[APPROVE]))
    path = core.write("hello.py", OLD)

    result = await core.agent.run(EDIT)

    tid = core.thread.id
    assert result == TurnResult(tid, "applied", "Editing.\nDone.", None, ["hello.py"])
    assert core.read("hello.py") == NEW
    proposal = EditProposal(tid, EDIT.title, [FileEdit(path, "update", OLD, NEW, None)])
    assert core.host.calls == [("review_edit", proposal), ("apply_edit", proposal)]
    assert model.requests[1].input == [
        user_message(EDIT.prompt),
        assistant_message("Editing."),
        function_call("c1", "apply_patch", json.dumps({"input": PATCH})),
        function_call_output("c1", SUMMARY),
    ]
    assert core.host.of_type(ToolStep) == [
        ToolStep(tid, "apply_patch", "apply_patch hello.py", "begin"),
        ToolStep(tid, "apply_patch", "apply_patch hello.py", "end"),
    ]
    assert core.host.events[-1] == TurnFinished(
        tid, "applied", "Editing.\nDone.", None, ["hello.py"]
    )
    assert core.thread.last_applied == proposal.files


async def test_edit_of_an_open_buffer_uses_its_unsaved_text_and_version(tmp_path: Path) -> None:
    core = make_core(tmp_path, edit_script(), FakeHost(decisions=[APPROVE]))
    path = core.write("hello.py", "stale disk text\n")
    core.host.open_document(path, OLD, version=7)

    result = await core.agent.run(EDIT)

    assert result.status == "applied"
    assert core.host.reviews[0].files == [FileEdit(path, "update", OLD, NEW, 7)]
    assert core.host.buffers[path].text == NEW
    assert core.host.buffers[path].version == 8
    assert core.read("hello.py") == "stale disk text\n"


async def test_edit_rejected_ends_the_turn_and_changes_nothing(tmp_path: Path) -> None:
    model = edit_script()
    decision = ReviewDecision("reject", reason="Not like this.")
    core = make_core(tmp_path, model, FakeHost(decisions=[decision]))
    core.write("hello.py", OLD)

    result = await core.agent.run(EDIT)

    tid = core.thread.id
    assert result == TurnResult(tid, "rejected", "Editing.", None, [])
    assert core.read("hello.py") == OLD
    assert core.host.applied == []
    assert len(model.requests) == 1
    assert model.pending == 1  # "Done." was never asked for
    assert core.thread.history[-1] == function_call_output("c1", "patch rejected by user")
    assert core.host.of_type(ToolStep)[-1] == ToolStep(
        tid, "apply_patch", "Not like this.", "end", ok=False, outcome="rejected"
    )
    assert core.host.events[-1] == TurnFinished(tid, "rejected", "Editing.")
    assert core.thread.last_applied == []


TEN = "".join(f"line {n}\n" for n in range(1, 11))
TWO_HUNKS = """*** Begin Patch
*** Update File: ten.txt
@@
 line 1
-line 2
+LINE TWO
 line 3
@@
 line 8
-line 9
+LINE NINE
 line 10
*** End Patch"""


async def test_partial_approval_applies_only_the_chosen_hunks(tmp_path: Path) -> None:
    model = ScriptedModel(reply(call("apply_patch", {"input": TWO_HUNKS}, "c1")), reply(text("ok")))
    core = make_core(tmp_path, model)
    path = core.write("ten.txt", TEN)
    core.host.decisions.append(ReviewDecision("approve", hunks={str(path): [1]}))

    result = await core.agent.run(EDIT)

    expected = TEN.replace("line 9\n", "LINE NINE\n")
    assert result.status == "applied"
    assert core.read("ten.txt") == expected
    [reviewed] = core.host.reviews
    assert reviewed.files[0].new_text == TEN.replace("line 2\n", "LINE TWO\n").replace(
        "line 9\n", "LINE NINE\n"
    )
    [applied] = core.host.applied
    assert applied.files == [FileEdit(path, "update", TEN, expected, None)]
    assert core.thread.last_applied == applied.files


async def test_approving_no_hunk_is_a_rejection(tmp_path: Path) -> None:
    model = ScriptedModel(reply(call("apply_patch", {"input": TWO_HUNKS}, "c1")))
    core = make_core(tmp_path, model)
    path = core.write("ten.txt", TEN)
    core.host.decisions.append(ReviewDecision("approve", hunks={str(path): []}))

    result = await core.agent.run(EDIT)

    assert (result.status, result.changed_files) == ("rejected", [])
    assert core.read("ten.txt") == TEN
    assert core.host.applied == []


async def test_approve_for_session_skips_the_next_review_of_that_file(tmp_path: Path) -> None:
    model = edit_script()
    core = make_core(tmp_path, model, FakeHost(decisions=[ReviewDecision("approveForSession")]))
    core.write("hello.py", OLD)
    await core.agent.run(EDIT)
    model.script(reply(call("apply_patch", {"input": BACK}, "c2")), reply(text("Back.")))

    result = await core.agent.run(EDIT)

    assert result.status == "applied"
    assert core.read("hello.py") == OLD
    assert len(core.host.reviews) == 1  # the host fails the test on an unexpected review
    assert len(core.host.applied) == 2


async def test_an_edit_the_host_refuses_fails_the_turn(tmp_path: Path) -> None:
    model = edit_script()
    core = make_core(tmp_path, model, FakeHost(decisions=[APPROVE], refuse_apply="document closed"))
    core.write("hello.py", OLD)

    result = await core.agent.run(EDIT)

    tid = core.thread.id
    assert result == TurnResult(tid, "failed", "Editing.", "Edit not applied: document closed", [])
    assert core.thread.history[-1] == function_call_output(
        "c1", "patch not applied: document closed"
    )
    assert core.read("hello.py") == OLD


async def test_a_buffer_edited_during_review_is_not_overwritten(tmp_path: Path) -> None:
    answer: asyncio.Future[ReviewDecision] = asyncio.get_running_loop().create_future()
    core = make_core(tmp_path, edit_script(), FakeHost(decisions=[answer]))
    path = core.write("hello.py", OLD)
    core.host.open_document(path, OLD, version=1)
    turn = asyncio.create_task(core.agent.run(EDIT))
    await asyncio.wait_for(core.host.asking.wait(), 5)

    core.host.open_document(path, OLD + "# typed by the user\n", version=2)
    answer.set_result(APPROVE)
    result = await asyncio.wait_for(turn, 5)

    assert result.status == "failed"
    assert result.error == (
        "Edit not applied: hello.py changed since the edit was proposed (version 1 -> 2); "
        "nothing was written"
    )
    assert core.host.buffers[path].text == OLD + "# typed by the user\n"
