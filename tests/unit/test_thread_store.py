"""Threads on disk and in memory: history repair, damaged files, lone surrogates, current thread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex_lsp.agent.engine import Agent
from codex_lsp.agent.store import ThreadStore
from codex_lsp.agent.thread import Thread, repair_history
from codex_lsp.config import load_config
from codex_lsp.core.items import function_call, function_call_output, user_message
from codex_lsp.core.workspace import Workspace
from codex_lsp.exec_mode import TerminalHost
from codex_lsp.jsontext import dumps_utf8, scrub

LONE = "bad \ud800 char"


def saved_thread(store: ThreadStore, cwd: Path) -> Thread:
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
    thread = saved_thread(store, tmp_path)
    thread.add(user_message("run it"))
    thread.add(function_call("call_9", "shell", '{"command": ["sleep", "9"]}'))
    # ... the server is killed here, before the tool's output is saved.
    loaded, _, _ = ThreadStore(tmp_path).load(thread.id)
    assert loaded.history[-1] == function_call_output("call_9", "aborted")
    assert loaded.history[-2]["type"] == "function_call"


def test_files_without_their_header_are_not_listed_and_do_not_load(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)
    good = saved_thread(store, tmp_path / "ws")
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
    thread = saved_thread(store, tmp_path)
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
    thread = saved_thread(store, tmp_path)
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
