"""Every `workspace/executeCommand` handler, in process: a `Session` with a recording
editor (`tests/support/recording_editor.py`) and a scripted model. No subprocess, no
socket: the session's client, turns, reporters, diagnostics and host run as over stdio.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from codex_lsp import wire
from codex_lsp.lsp.session.session import Session
from tests.support.recording_editor import RecordingEditor, execute, make_session
from tests.support.scripted_model import Hold, ScriptedModel, call, reply, text

OLD = "def greet(name):\n    return 'hi ' + name\n"
PATCH = (
    "*** Begin Patch\n*** Update File: hello.py\n@@\n def greet(name):\n"
    "-    return 'hi ' + name\n+    return f'hi {name}'\n*** End Patch"
)
NEW = "def greet(name):\n    return f'hi {name}'\n"
LINES_0_2 = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}


def _session(tmp_path: Path, *responses: Any, answers: list[str | None] | None = None,
             **caps: Any) -> tuple[Session, RecordingEditor, ScriptedModel, str]:
    editor = RecordingEditor(message_answers=list(answers or []))
    model = ScriptedModel(*responses)
    session = make_session(tmp_path, editor, model, **caps)
    path = tmp_path / "ws" / "hello.py"
    path.write_text(OLD)
    return session, editor, model, path.as_uri()


def _finding(title: str, start: int, end: int) -> dict[str, Any]:
    return {
        "title": title,
        "body": f"Why: {title.lower()}.",
        "confidence_score": 0.8,
        "priority": 1,
        "code_location": {"absolute_file_path": "hello.py", "line_range": {"start": start, "end": end}},
    }


def _review(*findings: dict[str, Any]) -> Any:
    answer = {
        "findings": list(findings),
        "overall_correctness": "patch is incorrect",
        "overall_explanation": "Checked greet.",
        "overall_confidence_score": 0.7,
    }
    return reply(text(json.dumps(answer)))


# ---- selection commands ---------------------------------------------------------------


async def test_edit_selection_applies_through_apply_edit(tmp_path: Path) -> None:
    session, editor, model, uri = _session(
        tmp_path, reply(call("apply_patch", {"input": PATCH})), reply(text("Done.")),
        answers=["Apply"], work_done_progress=True,
    )
    args = {"uri": uri, "range": LINES_0_2, "instruction": "use an f-string"}
    result = await execute(session, wire.EDIT_SELECTION, args)
    assert result["status"] == "applied" and result["changedFiles"] == ["hello.py"]
    assert {"status", "threadId", "text", "changedFiles"} <= set(result) <= {
        "status", "threadId", "text", "changedFiles", "usage"
    }
    assert (tmp_path / "ws" / "hello.py").read_text() == NEW
    [edit] = editor.asked("workspace/applyEdit")
    assert edit["label"]
    assert "use an f-string" in json.dumps(model.requests[0].input)
    progress = [p["value"]["kind"] for p in editor.sent("$/progress")]
    assert progress[0] == "begin" and progress[-1] == "end"
    assert editor.sent("$/progress")[-1]["value"]["message"] == "Applied: hello.py"


async def test_edit_selection_without_instruction_fails_with_the_next_step(tmp_path: Path) -> None:
    session, editor, model, uri = _session(tmp_path)
    result = await execute(session, wire.EDIT_SELECTION, {"uri": uri, "range": LINES_0_2})
    assert result["status"] == "failed" and "codex:" in result["error"]
    assert result == {"status": "failed", "threadId": None, "error": result["error"],
                      wire.NEEDS_INSTRUCTION: True}
    assert model.requests == []
    [shown] = editor.messages()  # an editor without our plugin is told
    assert shown.startswith("Codex: Edit selection failed: No instruction")


async def test_bad_arguments_name_the_field_and_reach_no_model(tmp_path: Path) -> None:
    session, editor, model, uri = _session(tmp_path, codex_approval=True)
    bad = {"uri": uri, "range": {"start": {"line": "x"}, "end": {"line": 0}}}
    result = await execute(session, wire.EXPLAIN, bad)
    assert result == {
        "status": "failed", "threadId": None, "error": "'range.start.line' must be an integer (got 'x')"
    }
    assert editor.messages() == []  # our plugins show the result themselves
    assert model.requests == []


async def test_explain_answers_and_shows_the_answer_document(tmp_path: Path) -> None:
    session, editor, _, uri = _session(tmp_path, reply(text("It greets.")), show_document=True)
    result = await execute(session, wire.EXPLAIN, {"uri": uri, "range": LINES_0_2})
    assert result["status"] == "answered" and result["text"] == "It greets."
    [shown] = editor.asked("window/showDocument")
    assert result["documentUri"] == shown["uri"] and shown["uri"].endswith(".md")


async def test_add_docstring_and_write_tests_run_answered_turns(tmp_path: Path) -> None:
    session, _, model, uri = _session(tmp_path, reply(text("No change.")), reply(text("None.")))
    for name in (wire.ADD_DOCSTRING, wire.WRITE_TESTS):
        result = await execute(session, name, {"uri": uri, "range": LINES_0_2})
        assert result["status"] == "answered", result
    assert len(model.requests) == 2
    assert "def greet(name):" in json.dumps(model.requests[0].input)


async def test_fix_of_a_finding_dismisses_it_once_applied(tmp_path: Path) -> None:
    session, editor, _, uri = _session(
        tmp_path,
        _review(_finding("Guard name", 2, 2)),
        reply(call("apply_patch", {"input": PATCH})),
        reply(text("Fixed.")),
        answers=["Apply"],
    )
    await execute(session, wire.REVIEW, {"scope": "file", "uri": uri})
    [published] = editor.published(uri)
    fix = {"uri": uri, "range": published["range"],
           "diagnostic": {k: published[k] for k in ("message", "source", "code", "range")}}
    result = await execute(session, wire.FIX_DIAGNOSTIC, fix)
    assert result["status"] == "applied", result
    assert editor.published(uri) == []
    assert session.diagnostics.count() == 0


async def test_fix_without_a_diagnostic_fails(tmp_path: Path) -> None:
    session, _, _, uri = _session(tmp_path)
    result = await execute(session, wire.FIX_DIAGNOSTIC, {"uri": uri, "range": LINES_0_2})
    assert result["error"] == "missing 'diagnostic' (the diagnostic to fix)"


# ---- review ----------------------------------------------------------------------------


async def test_review_publishes_findings_and_clear_removes_them(tmp_path: Path) -> None:
    session, editor, _, uri = _session(tmp_path, _review(_finding("Guard name", 2, 2)))
    result = await execute(session, wire.REVIEW, {"scope": "file", "uri": uri})
    assert result["status"] == "answered"
    assert result["overallCorrectness"] == "patch is incorrect"
    assert [f["title"] for f in result["findings"]] == ["Guard name"]
    [diag] = editor.published(uri)
    assert diag["message"].startswith("[P1] Guard name") and diag["source"] == wire.FINDINGS_SOURCE
    assert diag["range"] == {"start": {"line": 1, "character": 0},
                             "end": {"line": 1, "character": 23}}
    [event] = editor.events(wire.REVIEW_EVENT)
    assert event["findings"] == result["findings"]
    cleared = await execute(session, wire.CLEAR_FINDINGS, {})
    assert cleared == {"status": "answered", "threadId": result["threadId"], "cleared": 1,
                       "remaining": 0}
    assert editor.published(uri) == []


async def test_review_of_a_selection_needs_a_range(tmp_path: Path) -> None:
    session, _, model, uri = _session(tmp_path)
    result = await execute(session, wire.REVIEW, {"scope": "selection", "uri": uri})
    assert result["status"] == "failed" and "range" in result["error"]
    assert model.requests == []


# ---- prompts ---------------------------------------------------------------------------


async def test_ask_answers_with_attached_context(tmp_path: Path) -> None:
    session, _, model, uri = _session(tmp_path, reply(text("Yes.")), codex_approval=True)
    result = await execute(
        session, wire.ASK, {"prompt": "Is greet pure?", "context": [{"uri": uri}]}
    )
    assert result["status"] == "answered" and result["text"] == "Yes."
    assert "documentUri" not in result  # our plugins show the answer in their chat
    assert "hello.py" in json.dumps(model.requests[0].input)


async def test_run_task_refuses_an_empty_prompt(tmp_path: Path) -> None:
    session, _, model, _ = _session(tmp_path)
    result = await execute(session, wire.RUN_TASK, {"prompt": "  "})
    assert result == {"status": "failed", "threadId": None, "error": "'prompt' is empty"}
    assert model.requests == []


async def test_run_task_edits_and_undo_reverts(tmp_path: Path) -> None:
    session, _, _, _ = _session(
        tmp_path, reply(call("apply_patch", {"input": PATCH})), reply(text("Done.")),
        answers=["Apply"],
    )
    result = await execute(session, wire.RUN_TASK, {"prompt": "f-string please"})
    assert result["status"] == "applied"
    assert (tmp_path / "ws" / "hello.py").read_text() == NEW
    undone = await execute(session, wire.UNDO, {})
    assert undone == {"status": "applied", "threadId": result["threadId"],
                      "changedFiles": ["hello.py"]}
    assert (tmp_path / "ws" / "hello.py").read_text() == OLD


# ---- threads ---------------------------------------------------------------------------


async def test_cancel_stops_a_running_turn(tmp_path: Path) -> None:
    session, _, model, _ = _session(tmp_path, reply(text("Thinking"), Hold()))
    running = asyncio.ensure_future(execute(session, wire.RUN_TASK, {"prompt": "slow"}))
    await model.holding.wait()
    [thread_id] = session.turns.running
    cancelled = await execute(session, wire.CANCEL, {})
    assert cancelled == {"status": "cancelled", "threadId": None, "cancelled": [thread_id]}
    assert await running == {"status": "cancelled", "threadId": thread_id, "text": ""}
    nothing = await execute(session, wire.CANCEL, {"threadId": thread_id})
    assert nothing == {"status": "answered", "threadId": thread_id, "cancelled": [],
                       "text": "Nothing to cancel."}


async def test_threads_new_list_resume(tmp_path: Path) -> None:
    session, _, _, _ = _session(tmp_path, reply(text("Hello there.")))
    first = await execute(session, wire.RUN_TASK, {"prompt": "hi"})
    new = await execute(session, wire.NEW_THREAD)
    assert new["status"] == "answered" and new["threadId"] != first["threadId"]
    listed = await execute(session, wire.LIST_THREADS)
    assert listed["threadId"] == new["threadId"]
    [saved] = [t for t in listed["threads"] if t["threadId"] == first["threadId"]]
    assert set(saved) == {"threadId", "title", "created", "updated", "items", "current"}
    assert saved["current"] is False
    resumed = await execute(session, wire.RESUME_THREAD, {"threadId": first["threadId"]})
    assert resumed["threadId"] == first["threadId"]
    assert {"role": "assistant", "text": "Hello there."} in resumed["history"]
    assert set(resumed) == {"status", "threadId", "title", "items", "history", "transcript"}


async def test_resume_needs_a_known_thread(tmp_path: Path) -> None:
    session, _, _, _ = _session(tmp_path)
    missing = await execute(session, wire.RESUME_THREAD, {})
    assert missing == {"status": "failed", "threadId": None, "error": "missing 'threadId'"}
    unknown = await execute(session, wire.RESUME_THREAD, {"threadId": "nope"})
    assert unknown["status"] == "failed" and "nope" in unknown["error"]


# ---- pending decisions ---------------------------------------------------------------------


async def test_a_dismissed_prompt_leaves_a_change_for_approve(tmp_path: Path) -> None:
    session, editor, _, uri = _session(
        tmp_path, reply(call("apply_patch", {"input": PATCH})), reply(text("Done.")),
        answers=[None], show_document=True,
    )
    running = asyncio.ensure_future(execute(session, wire.RUN_TASK, {"prompt": "edit"}))
    while not session.pending.describe():
        await asyncio.sleep(0.01)
    assert any(d["source"] == wire.FINDINGS_SOURCE for d in editor.published(uri))
    diff = await execute(session, wire.SHOW_DIFF, {})
    assert diff["status"] == "answered" and diff["documentUri"].endswith(".diff")
    approved = await execute(session, wire.APPROVE, {})
    assert approved["status"] == "answered" and approved["text"].startswith("Approved")
    assert set(approved) == {"status", "threadId", "changeId", "text"}
    assert (await running)["status"] == "applied"
    assert (tmp_path / "ws" / "hello.py").read_text() == NEW


async def test_reject_and_approve_with_nothing_pending(tmp_path: Path) -> None:
    session, _, _, _ = _session(tmp_path)
    for name in (wire.APPROVE, wire.REJECT):
        result = await execute(session, name, {})
        assert result["status"] == "failed" and "Nothing is waiting" in result["error"]
    hunk = await execute(session, wire.APPROVE, {"hunk": -1})
    assert hunk["error"] == "'hunk' must be >= 0 (got -1)"


async def test_reject_rejects_the_newest_change(tmp_path: Path) -> None:
    session, _, _, _ = _session(
        tmp_path, reply(call("apply_patch", {"input": PATCH})), reply(text("Left as is.")),
        answers=[None],
    )
    running = asyncio.ensure_future(execute(session, wire.RUN_TASK, {"prompt": "edit"}))
    while not session.pending.describe():
        await asyncio.sleep(0.01)
    rejected = await execute(session, wire.REJECT, {})
    assert rejected["text"].startswith("Rejected")
    assert (await running)["status"] == "rejected"
    assert (tmp_path / "ws" / "hello.py").read_text() == OLD


# ---- inline completion and sign-in -----------------------------------------------------------


async def test_toggle_inline_completion_registers_it(tmp_path: Path) -> None:
    session, editor, _, _ = _session(tmp_path, inline_completion_dynamic=True)
    result = await execute(session, wire.TOGGLE_INLINE_COMPLETION, {"enabled": True})
    assert result == {"status": "answered", "threadId": None, "enabled": True, "advertised": True}
    [registration] = editor.asked("client/registerCapability")
    assert registration["registrations"][0]["method"] == wire.INLINE_COMPLETION
    off = await execute(session, wire.TOGGLE_INLINE_COMPLETION, {})
    assert off["enabled"] is False


async def test_login_refuses_an_unknown_method(tmp_path: Path) -> None:
    session, _, _, _ = _session(tmp_path)
    result = await execute(session, wire.LOGIN, {"method": "fax"})
    assert result == {"status": "failed", "error": "'method' must be 'browser' or 'device', got 'fax'"}


async def test_logout_with_an_api_key_removes_nothing(tmp_path: Path) -> None:
    session, editor, _, _ = _session(tmp_path)
    result = await execute(session, wire.LOGOUT)
    assert result == {"status": "applied", "removed": False, "revokeError": None}
    assert editor.events(wire.LOGIN_EVENT) == [
        {"type": wire.LOGIN_EVENT, "state": "signedOut", "method": "logout"}
    ]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers and diffs shown are written under the cache folder: keep it in tmp."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "home"))
