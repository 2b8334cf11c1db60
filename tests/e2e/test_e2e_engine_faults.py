"""Engine faults seen from the editor: settings changed mid-turn, lone surrogates, bad threadIds."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.support.lsp_client import Editor
from tests.support.model_server import Hang, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}


def progress_ended(editor: Editor) -> bool:
    kinds = [p["value"]["kind"] for p in editor.state.progress]
    return kinds.count("begin") == kinds.count("end") > 0


async def test_settings_changed_mid_turn_apply_to_the_next_turn(
    editor: Editor, model: ScriptedModelServer
) -> None:
    words = " ".join(f"w{i}" for i in range(30))
    model.script(Reply([Text(words)], delta_delay=0.05), Reply([Text("Second.")]))
    await editor.start()
    task = asyncio.ensure_future(editor.command("codex.ask", {"prompt": "slow one"}))
    await editor.wait_for(lambda: "w3" in editor.text_events(), 10)
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"codex": {"model": "other-model"}})
    )
    result = await asyncio.wait_for(task, 20)
    assert result["status"] == "answered" and result["text"] == words
    finished = [e for e in editor.state.events if e["type"] == "turnFinished"]
    assert [e["status"] for e in finished] == ["answered"]
    again = await editor.command("codex.ask", {"prompt": "next", "threadId": result["threadId"]})
    assert again["status"] == "answered" and again["text"] == "Second."
    assert [r.body["model"] for r in model.requests] == ["test-model", "other-model"]


async def test_a_lone_surrogate_in_a_prompt_or_buffer_does_not_poison_the_thread(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    model.script(Reply([Text("One.")]), Reply([Text("Two.")]), Reply([Text("Three.")]))
    await editor.start()
    first = await editor.command("codex.ask", {"prompt": "what is \ud800 here?"})
    assert first["status"] == "answered" and first["text"] == "One."
    await editor.wait_for(lambda: progress_ended(editor))
    sent = model.requests[0].body["input"][0]["content"][0]["text"]
    assert sent == "what is \ufffd here?"
    uri = editor.open("hello.py", "def greet(name):  # \udc80\n    return name\n")
    second = await editor.command("codex.explain", {"uri": uri, "range": RANGE})
    assert second["status"] == "answered" and second["text"] == "Two."
    third = await editor.command("codex.ask", {"prompt": "more", "threadId": first["threadId"]})
    assert third["status"] == "answered" and third["text"] == "Three."
    assert "\ufffd" in json.dumps(model.requests[2].body, ensure_ascii=False)
    resumed = await editor.command("codex.resumeThread", {"threadId": first["threadId"]})
    assert resumed["history"][0]["text"] == "what is \ufffd here?"


@pytest.mark.parametrize("bad", [5, ["a"], {}, True])
async def test_a_thread_id_that_is_not_a_string_is_a_failed_result(
    editor: Editor, model: ScriptedModelServer, bad: Any
) -> None:
    await editor.start()
    calls: list[tuple[str, dict[str, Any]]] = [
        ("codex.ask", {"prompt": "hi", "threadId": bad}),
        ("codex.runTask", {"prompt": "hi", "threadId": bad}),
        ("codex.undo", {"threadId": bad}),
        ("codex.resumeThread", {"threadId": bad}),
        ("codex.cancel", {"threadId": bad}),
    ]
    for name, arg in calls:
        result = await editor.command(name, arg)
        assert result["status"] == "failed", (name, result)
        assert "'threadId' must be a string (got " in result["error"], result
    assert model.requests == []


async def test_a_path_with_a_nul_byte_fails_in_one_line_without_a_traceback(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    await editor.start()
    uri = (workspace / "nul\u0000.py").as_uri()
    result = await editor.command("codex.explain", {"uri": uri, "range": RANGE})
    assert result["status"] == "failed" and "\n" not in result["error"]
    assert "Traceback" not in json.dumps(result)
    status = await editor.command("codex.status")
    assert status["status"] == "answered"


async def test_undo_without_thread_id_waits_for_the_running_turn(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Hang(30))
    await editor.start()
    task = asyncio.ensure_future(editor.command("codex.runTask", {"prompt": "long"}))
    await asyncio.to_thread(model.wait_for_requests, 1, 10)
    undo = await editor.command("codex.undo", {})
    assert undo["status"] == "failed" and "busy" in undo["error"]
    await editor.command("codex.cancel", {})
    assert (await asyncio.wait_for(task, 10))["status"] == "cancelled"
