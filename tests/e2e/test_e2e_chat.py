"""The Chat Completions wire API (`wire_api = "chat"`) end to end through the real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.lsp_client import Editor
from tests.support.model_server import (
    Drop,
    FunctionCall,
    HttpError,
    Reply,
    ScriptedModelServer,
    Text,
)

pytestmark = pytest.mark.e2e

PATCH = """*** Begin Patch
*** Update File: hello.py
@@ def greet(name):
-    return 'hi ' + name
+    return f"hello {name}"
*** End Patch
"""

RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 27}}


@pytest.fixture(autouse=True)
def chat_config(codex_home: Path, model: ScriptedModelServer) -> None:
    """Replace the fixture's Responses provider with a Chat Completions one."""
    (codex_home / "config.toml").write_text(
        f'''model = "test-model"
model_provider = "local"

[model_providers.local]
name = "Local chat server"
base_url = "{model.base_url}"
env_key = "CODEX_TEST_KEY"
wire_api = "chat"
query_params = {{ api-version = "2024-10-21" }}
request_max_retries = 1
stream_max_retries = 1
'''
    )


async def test_edit_selection_over_chat(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    model.script(
        Reply([Text("Updating greet."), FunctionCall("apply_patch", {"input": PATCH}, deltas=6)]),
        Reply([Text("Done: greet now uses an f-string.")]),
    )
    await editor.start()
    uri = editor.open("hello.py")
    editor.message_answers = ["Apply"]
    result = await editor.command(
        "codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "use an f-string"}
    )
    assert result["status"] == "applied", result
    assert result["changedFiles"] == ["hello.py"]
    assert "Done: greet now uses an f-string." in result["text"]
    assert "hello.py (+1 -1)" in editor.state.message_requests[0]["message"]
    assert len(editor.state.apply_edits) == 1
    change = editor.state.apply_edits[0]["edit"]["documentChanges"][0]
    assert change["textDocument"] == {"uri": uri, "version": 1}
    assert editor.state.docs[uri].text.splitlines()[1] == '    return f"hello {name}"'

    first, second = model.wait_for_requests(2)
    assert [r.kind for r in (first, second)] == ["chat", "chat"]
    assert first.query == {"api-version": "2024-10-21"}
    assert first.headers["authorization"] == "Bearer sk-test-do-not-leak-1234"
    assert first.body is not None and second.body is not None
    assert first.body["stream"] is True and first.body["tool_choice"] == "auto"
    assert "apply_patch" in [t["function"]["name"] for t in first.body["tools"]]
    messages = second.body["messages"]
    assert messages[0]["role"] == "system"
    # The model's text and its call come back as one assistant message, then the tool result.
    call_msg, tool_msg = messages[-2:]
    assert call_msg["role"] == "assistant" and call_msg["content"] == "Updating greet."
    (tc,) = call_msg["tool_calls"]
    assert tc["id"] == "call_1" and tc["function"]["name"] == "apply_patch"
    assert json.loads(tc["function"]["arguments"]) == {"input": PATCH}
    assert tool_msg["role"] == "tool" and tool_msg["tool_call_id"] == "call_1"
    assert tool_msg["content"].startswith("Success. Updated the following files:")


async def test_ask_streams_text_over_chat(editor: Editor, model: ScriptedModelServer) -> None:
    # Spaced deltas outlast the server's 50 ms text coalescing, so several updates arrive.
    model.script(Reply([Text("The answer is forty two.")], delta_delay=0.12))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "what is the answer?"})
    assert result["status"] == "answered" and result["text"] == "The answer is forty two."
    assert editor.text_events() == "The answer is forty two."
    assert len([e for e in editor.state.events if e.get("type") == "text"]) >= 3
    model.script(Reply([Text("Yes.")]))
    again = await editor.command("codex.ask", {"prompt": "sure?"})
    assert again["text"] == "Yes."
    body = model.requests[1].body
    assert body is not None
    assert [(m["role"], m["content"]) for m in body["messages"][1:]] == [
        ("user", "what is the answer?"),
        ("assistant", "The answer is forty two."),
        ("user", "sure?"),
    ]


async def test_ask_recovers_from_a_cut_stream_over_chat(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(
        Drop(after_events=3, items=[Text("this will be cut off")]),
        Reply([Text("A complete answer.")]),
    )
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "hi"})
    assert result["status"] == "answered" and result["text"] == "A complete answer."
    assert len(model.requests) == 2


async def test_401_over_chat_says_check_your_api_key(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(HttpError(401))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "hi"})
    assert result["status"] == "failed"
    assert "check your API key in the CODEX_TEST_KEY environment variable" in result["error"]
