"""The session's parts in process: running turns, progress coalescing, diagnostics
publishing, and what a selection reads (a recording editor, a scripted model)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pygls.workspace import TextDocument

from codex_lsp import wire
from codex_lsp.agent import tasks
from codex_lsp.core.protocol import AgentText, TurnFinished
from codex_lsp.lsp.features.arguments import BadArguments, Position, Range
from codex_lsp.lsp.features.command_results import TurnAnswer
from codex_lsp.lsp.features.selection import selection_from
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.editor_capabilities import ClientCapabilities
from codex_lsp.lsp.session.progress import TurnReporter
from codex_lsp.lsp.session.session import Session
from codex_lsp.review.findings import Finding
from tests.support.recording_editor import RecordingEditor, make_session
from tests.support.scripted_model import Hold, ScriptedModel, reply, text

TEXT = "one\ntwo\nthree\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "home"))


def _setup(
    tmp_path: Path, *responses: Any, buffers: dict[str, TextDocument] | None = None, **kw: Any
) -> tuple[Session, RecordingEditor, ScriptedModel, Path]:
    editor = RecordingEditor()
    model = ScriptedModel(*responses)
    session = make_session(tmp_path, editor, model, buffers, **kw)
    path = tmp_path / "ws" / "notes.txt"
    path.write_text(TEXT)
    return session, editor, model, path


def _range(start: int, end: int, end_char: int = 0) -> Range:
    return Range(Position(start, 0), Position(end, end_char))


# ---- TurnRegistry ----------------------------------------------------------------------


async def test_a_busy_thread_refuses_a_second_turn_and_the_current_one_gets_a_fresh_thread(
    tmp_path: Path,
) -> None:
    session, _, model, _ = _setup(tmp_path, reply(text("a"), Hold()), reply(text("b")))
    first = asyncio.ensure_future(session.turns.run(tasks.run_task("slow")))
    await model.holding.wait()
    [busy] = session.turns.running
    assert session.turns.busy(busy) and busy in session.turns.reporters
    refused = await session.turns.run(tasks.run_task("again"), busy)
    assert refused.to_json() == {
        "status": "failed", "threadId": None, "error": f"thread {busy} is busy with another turn"
    }
    second = await session.turns.run(tasks.run_task("other"))  # current busy: a fresh thread
    assert isinstance(second, TurnAnswer) and second.thread_id != busy and second.text == "b"
    assert session.turns.cancel() == [busy]
    assert (await first).status == "cancelled"
    assert session.turns.running == {} and session.turns.reporters == {}


async def test_cancel_request_from_the_client_stops_the_turn(tmp_path: Path) -> None:
    session, editor, model, _ = _setup(tmp_path, reply(text("a"), Hold()))
    editor.request_id = 7  # the turn runs inside request 7
    turn = asyncio.ensure_future(session.turns.run(tasks.run_task("slow")))
    await model.holding.wait()
    editor.cancel_hooks[7]()  # `$/cancelRequest` for 7
    result = await turn
    assert result.status == "cancelled"
    assert 7 not in editor.cancel_hooks
    assert editor.events("turnFinished")[-1]["status"] == "cancelled"


async def test_a_turn_without_credentials_offers_a_sign_in(tmp_path: Path) -> None:
    session, editor, model, _ = _setup(tmp_path, api_key=None)
    session.client.caps = ClientCapabilities(codex_auth_events=True)
    result = await session.turns.run(tasks.run_task("hi"))
    assert result.status == "failed" and model.requests == []
    [event] = editor.events(wire.AUTH_REQUIRED_EVENT)
    assert event["message"] == result.error


# ---- progress ----------------------------------------------------------------------------


async def test_streamed_text_is_coalesced_and_flushed_at_the_end(tmp_path: Path) -> None:
    editor = RecordingEditor()
    client = Client(editor)
    client.caps = ClientCapabilities(work_done_progress=True)
    reporter = TurnReporter(client)
    await reporter.begin("Title")
    deltas = [f"w{i} " for i in range(500)]
    for delta in deltas:
        await reporter.emit(AgentText("t", delta))
    await reporter.emit(TurnFinished("t", "answered", "".join(deltas)))
    reporter.end("Answered")
    sent = editor.events("text")
    assert "".join(e["delta"] for e in sent) == "".join(deltas)
    assert len(sent) < len(deltas) / 10  # coalesced, not one message per delta
    kinds = [p["value"]["kind"] for p in editor.sent("$/progress")]
    assert kinds[0] == "begin" and kinds[-1] == "end" and kinds.count("end") == 1
    [created] = editor.asked("window/workDoneProgress/create")
    assert editor.sent("$/progress")[0]["token"] == created["token"]
    assert editor.progress_cancel_hooks == {}


async def test_without_progress_support_only_events_are_sent(tmp_path: Path) -> None:
    editor = RecordingEditor()
    reporter = TurnReporter(Client(editor))
    await reporter.begin("Title")
    await reporter.emit(AgentText("t", "hello"))
    reporter.end("Answered")
    assert editor.sent("$/progress") == [] and editor.requests == []
    assert [e["delta"] for e in editor.events("text")] == ["hello"]


# ---- diagnostics -------------------------------------------------------------------------


def _finding(path: Path, fid: str, line: int) -> Finding:
    return Finding(
        id=fid, title=f"Issue {fid}", body="Because.", confidence=0.5, priority=2,
        path=str(path), start_line=line, end_line=line, scope="file:notes.txt",
    )


async def test_findings_publish_with_the_buffer_version_and_clear_by_uri(tmp_path: Path) -> None:
    uri = (tmp_path / "ws" / "notes.txt").as_uri()
    buffers = {uri: TextDocument(uri, "one\ntwo two\nthree\n", version=4)}
    session, editor, _, path = _setup(tmp_path, buffers=buffers)
    session.diagnostics.replace_review("file:notes.txt", [_finding(path, "f1", 1)], "t1")
    [params] = editor.sent("textDocument/publishDiagnostics")
    assert params["uri"] == uri and params["version"] == 4
    [diag] = params["diagnostics"]
    assert diag["range"] == {"start": {"line": 1, "character": 0},
                             "end": {"line": 1, "character": 7}}  # the buffer's line, not disk's
    assert diag["message"] == "[P2] Issue f1\n\nBecause." and diag["code"] == "f1"
    [shown] = session.diagnostics.overlapping(uri, 1, 1)
    assert shown.diagnostic == diag  # code actions list what was published
    assert session.diagnostics.dismiss(uri=uri) == 1
    assert editor.published(uri) == []


async def test_findings_come_back_when_their_thread_is_resumed(tmp_path: Path) -> None:
    session, editor, _, path = _setup(tmp_path)
    uri = path.as_uri()
    session.diagnostics.replace_review("file:notes.txt", [_finding(path, "f1", 0)], "t1")
    session.diagnostics.replace_review("file:notes.txt", [_finding(path, "f2", 2)], "t2")
    assert [d["code"] for d in editor.published(uri)] == ["f2"]
    session.diagnostics.resume("t1")  # saved with t1: f1 replaces its scope again
    assert [d["code"] for d in editor.published(uri)] == ["f1"]
    assert session.diagnostics.thread_id == "t1"


# ---- selection_from ------------------------------------------------------------------------


async def test_a_linewise_selection_ends_before_the_next_line(tmp_path: Path) -> None:
    session, _, _, path = _setup(tmp_path)
    sel = selection_from(session.documents, path.as_uri(), _range(0, 2))
    assert (sel.text, sel.start_line, sel.end_line, sel.path) == ("one\ntwo", 1, 2, "notes.txt")


async def test_a_selection_reads_the_open_buffer(tmp_path: Path) -> None:
    uri = (tmp_path / "ws" / "notes.txt").as_uri()
    buffers = {uri: TextDocument(uri, "unsaved\r\nbuffer\n", version=2, language_id="markdown")}
    session, _, _, _ = _setup(tmp_path, buffers=buffers)
    sel = selection_from(session.documents, uri, _range(0, 1, 3))
    assert sel.text == "unsaved\nbuffer" and sel.language == "markdown"


@pytest.mark.parametrize(
    ("rng", "error"),
    [
        (_range(2, 1), "'range.end' is before 'range.start'"),
        (_range(9, 9), "range starts at line 10 but the file has 3"),
    ],
)
async def test_a_bad_selection_says_what_is_wrong(tmp_path: Path, rng: Range, error: str) -> None:
    session, _, _, path = _setup(tmp_path)
    with pytest.raises(BadArguments, match=error):
        selection_from(session.documents, path.as_uri(), rng)


async def test_a_file_outside_the_workspace_is_refused(tmp_path: Path) -> None:
    session, _, _, _ = _setup(tmp_path)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("x\n")
    with pytest.raises(BadArguments):
        selection_from(session.documents, outside.as_uri(), _range(0, 0))
