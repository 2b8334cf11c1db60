"""Threads on disk and in memory (`codex_lsp.agent.store`, `agent.thread`): save/load round
trip, listing, torn lines and damaged files, history repair, lone surrogates, resuming in a new
engine, the current thread."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codex_lsp.agent import tasks
from codex_lsp.agent.engine import Agent
from codex_lsp.agent.store import ThreadStore, ThreadSummary
from codex_lsp.agent.thread import Thread, repair_history
from codex_lsp.config import load_config
from codex_lsp.core.items import (
    assistant_message,
    function_call,
    function_call_output,
    user_message,
)
from codex_lsp.core.protocol import FileEdit
from codex_lsp.core.workspace import Workspace
from codex_lsp.exec_mode import TerminalHost
from codex_lsp.jsontext import dumps_utf8, scrub
from tests.support.core_harness import make_core
from tests.support.fake_host import FakeHost
from tests.support.scripted_model import ScriptedModel, call, reply, text

ITEMS = [
    user_message("Rename x — «please»"),
    function_call("c1", "read_file", '{"path": "a.py"}'),
    function_call_output("c1", "L1: x = 1"),
    assistant_message("Renamed."),
]


def saved_thread(store: ThreadStore, cwd: Path, title: str = "A title") -> Thread:
    thread = Thread()
    store.create(thread, cwd)
    for item in ITEMS:
        store.append_item(thread.id, item)
    store.record_title(thread.id, title)
    return thread


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path / "sessions")
    thread = saved_thread(store, tmp_path / "ws")
    edits = [
        FileEdit(tmp_path / "ws/a.py", "update", "x = 1\n", "y = 1\n"),
        FileEdit(tmp_path / "ws/n.py", "add", None, "new\n"),
        FileEdit(tmp_path / "ws/old.py", "update", "o\n", "o\n", move_to=tmp_path / "ws/new.py"),
        FileEdit(tmp_path / "ws/d.py", "delete", "d\n", None),
    ]
    store.record_applied(thread.id, edits)

    loaded, cwd, applied = store.load(thread.id)

    assert loaded.id == thread.id
    assert loaded.history == ITEMS
    assert loaded.title == "A title"
    assert loaded.created == thread.created
    assert cwd == str(tmp_path / "ws")
    assert applied == edits


def test_the_last_applied_record_wins_and_compaction_replaces_history(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path / "sessions")
    thread = saved_thread(store, tmp_path)
    store.record_applied(thread.id, [FileEdit(tmp_path / "a", "add", None, "a")])
    store.record_applied(thread.id, [])
    summary = [user_message("Summary: renamed x")]
    store.record_compacted(thread.id, summary)
    store.append_item(thread.id, user_message("next"))

    loaded, _, applied = store.load(thread.id)

    assert applied == []
    assert loaded.history == [*summary, user_message("next")]


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path / "sessions")
    thread = saved_thread(store, tmp_path)
    with open(store.path_for(thread.id), "a", encoding="utf-8") as fh:
        fh.write('{"type": "item", "item": {"type": "mess')

    loaded, _, _ = store.load(thread.id)

    assert loaded.history == ITEMS


def test_unknown_and_unsafe_ids_are_key_errors(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path / "sessions")
    with pytest.raises(KeyError):
        store.load("20990101T000000-00000000")
    for bad in ("", "../escape", "a/b", "x.jsonl"):
        with pytest.raises(KeyError):
            store.path_for(bad)


def test_list_is_newest_first_for_one_folder(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path / "sessions")
    ws, other = tmp_path / "ws", tmp_path / "other"
    old = saved_thread(store, ws, "old")
    new = saved_thread(store, ws, "new")
    elsewhere = saved_thread(store, other, "elsewhere")
    for n, thread in enumerate((old, elsewhere, new)):
        os.utime(store.path_for(thread.id), (1_000_000 + n, 1_000_000 + n))

    listed = store.list(ws)

    assert listed == [
        ThreadSummary(new.id, "new", str(ws), new.created, 1_000_002.0, len(ITEMS)),
        ThreadSummary(old.id, "old", str(ws), old.created, 1_000_000.0, len(ITEMS)),
    ]
    assert [s.thread_id for s in store.list()] == [new.id, elsewhere.id, old.id]
    assert [s.thread_id for s in store.list(limit=1)] == [new.id]
    assert ThreadStore(tmp_path / "none").list() == []


async def test_a_thread_resumes_in_a_new_engine_with_history_and_undo(tmp_path: Path) -> None:
    body = "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch"
    model = ScriptedModel(reply(call("apply_patch", {"input": body}, "p1")), reply(text("Done.")))
    core = make_core(tmp_path, model, approval_policy="never")
    core.write("a.txt", "a\n")
    spec = tasks.run_task("Change a to b")
    await core.agent.run(spec)
    before = core.thread

    later = Agent(core.agent.loaded, core.agent.workspace, FakeHost())
    resumed = later.resume(before.id)

    assert resumed.id == before.id
    assert resumed.history == before.history
    assert resumed.title == spec.subject == "Change a to b"
    assert resumed.last_applied == before.last_applied
    assert [s.thread_id for s in later.list_threads()] == [before.id]
    assert later.list_threads()[0].items == len(before.history)
    assert await later.undo(before.id) == (["a.txt"], None)
    assert core.read("a.txt") == "a\n"
    assert later.store.load(before.id)[2] == []  # the undo is saved too


async def test_a_store_that_cannot_be_written_does_not_fail_the_turn(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "sessions").write_text("a file where the folder should be")
    core = make_core(tmp_path, ScriptedModel(reply(text("Still fine."))))

    result = await core.agent.run(tasks.ask("q?", None))

    assert (result.status, result.text) == ("answered", "Still fine.")
    assert core.agent.list_threads() == []


LONE = "bad \ud800 char"


def recording_thread(store: ThreadStore, cwd: Path) -> Thread:
    """A new thread on disk whose every added item is saved as it is added."""
    thread = Thread()
    store.create(thread, cwd)
    thread.on_add = lambda item: store.append_item(thread.id, item)
    return thread


def test_repair_inserts_aborted_output_right_after_each_orphan_call() -> None:
    history = [
        user_message("go"),
        function_call("c1", "read_file", "{}"),
        function_call_output("c1", "ok"),
        function_call("c2", "shell", "{}"),
        user_message("next"),
        function_call("c3", "shell", "{}"),
    ]
    assert repair_history(history) == 2
    kinds = [(i["type"], i.get("call_id"), i.get("output")) for i in history]
    assert kinds == [
        ("message", None, None),
        ("function_call", "c1", None),
        ("function_call_output", "c1", "ok"),
        ("function_call", "c2", None),
        ("function_call_output", "c2", "aborted"),
        ("message", None, None),
        ("function_call", "c3", None),
        ("function_call_output", "c3", "aborted"),
    ]
    assert repair_history(history) == 0


def test_repair_drops_an_output_without_its_call() -> None:
    history = [function_call_output("ghost", "x"), user_message("hi")]
    assert repair_history(history) == 1
    assert history == [user_message("hi")]


def test_a_call_saved_before_a_crash_is_answered_aborted_on_load(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)
    thread = recording_thread(store, tmp_path)
    thread.add(user_message("run it"))
    thread.add(function_call("call_9", "shell", '{"command": ["sleep", "9"]}'))
    # ... the server is killed here, before the tool's output is saved.
    loaded, _, _ = ThreadStore(tmp_path).load(thread.id)
    assert loaded.history[-1] == function_call_output("call_9", "aborted")
    assert loaded.history[-2]["type"] == "function_call"


def test_files_without_their_header_are_not_listed_and_do_not_load(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)
    good = recording_thread(store, tmp_path / "ws")
    (tmp_path / "20240101T000000-empty.jsonl").write_text("")
    (tmp_path / "20240101T000000-torn.jsonl").write_text('{"type": "me')
    (tmp_path / "20240101T000000-noheader.jsonl").write_text(
        json.dumps({"type": "item", "item": user_message("x")}) + "\n"
    )
    (tmp_path / "20240101T000000-badutf8.jsonl").write_bytes(b'{"type": "meta", "cwd": "\xe2\x82')
    assert [t.thread_id for t in store.list(tmp_path / "ws")] == [good.id]
    assert [t.thread_id for t in store.list(tmp_path / "elsewhere")] == []
    with pytest.raises(KeyError, match="no header"):
        store.load("20240101T000000-empty")


def test_a_torn_last_line_does_not_swallow_the_next_record(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)
    thread = recording_thread(store, tmp_path)
    thread.add(user_message("first"))
    path = store.path_for(thread.id)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"type": "item", "item": {"type": "mess')  # killed mid-write
    later = ThreadStore(tmp_path)  # a new server process
    later.append_item(thread.id, user_message("second"))
    loaded, _, _ = later.load(thread.id)
    texts = [i["content"][0]["text"] for i in loaded.history]
    assert texts == ["first", "second"]


def test_lone_surrogates_are_replaced_when_added_and_when_saved(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)
    thread = recording_thread(store, tmp_path)
    thread.add(user_message(LONE))
    assert thread.history[-1]["content"][0]["text"] == "bad \ufffd char"
    store.record_title(thread.id, LONE)  # a title is not an item: the encoder copes too
    loaded, _, _ = store.load(thread.id)
    assert loaded.title == "bad \ufffd char"
    assert loaded.history == thread.history


def test_scrub_keeps_pairs_and_valid_text() -> None:
    assert scrub("ok \U0001f600") == "ok \U0001f600"
    assert scrub("\ud83d\ude00") == "\U0001f600"  # a pair split in two code points
    assert scrub("\udc80x\ud800") == "\ufffdx\ufffd"
    assert json.loads(dumps_utf8({"k": LONE})) == {"k": "bad \ufffd char"}


def make_agent(tmp_path: Path) -> Agent:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    workspace = Workspace([tmp_path])
    return Agent(load_config(home=home), workspace, TerminalHost(workspace, False, True))


def test_naming_a_thread_does_not_make_it_current(tmp_path: Path) -> None:
    agent = make_agent(tmp_path)
    main = agent.new_thread()
    side = agent.new_thread(make_current=False)
    assert agent.thread(side.id) is side
    assert agent.current is main
    # Loaded from disk by name: still not current; resuming makes it current.
    fresh = make_agent(tmp_path)
    assert fresh.thread(side.id).id == side.id and fresh.current is None
    assert fresh.resume(side.id) is fresh.current
