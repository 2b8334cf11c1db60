"""`request_user_input` end to end: gpt-5.5 (Codex's tool family) is offered the tool;
the scripted model calls it; the real server asks each question with
`window/showMessageRequest` (options + "Answer in chat…"), sends Codex's answers JSON
back and the turn goes on. An editor without message requests gets the question as a
`window/showMessage` and the model hears the user could not be asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound

from tests.e2e.test_e2e_exec_command import outputs, write_gpt55_config
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text
from tests.support.questions import DB, NAME

pytestmark = pytest.mark.e2e

async def test_questions_are_asked_one_at_a_time_and_answered(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, 'approval_policy = "never"')
    model.script(
        Reply([FunctionCall("request_user_input", {"questions": [DB, NAME]}, "ask1")]),
        Reply([Text("Postgres it is; tell me the name.")]),
    )
    editor.message_answers = ["Postgres (Recommended)", "Answer in chat…"]
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "set up the service"})
    assert result["status"] == "answered", result
    assert result["text"] == "Postgres it is; tell me the name."
    body = model.requests[0].body
    assert body is not None and "request_user_input" in [t.get("name") for t in body["tools"]]
    asked = editor.state.message_requests
    assert [[a["title"] for a in m["actions"]] for m in asked] == [
        ["Postgres (Recommended)", "SQLite", "Answer in chat…"],
        ["api", "backend", "Answer in chat…"],
    ]
    assert "Which database should the service use?" in asked[0]["message"]
    assert "Matches production." in asked[0]["message"]
    (output,) = outputs(model, 1)
    first, note = output.split("\n", 1)
    assert json.loads(first) == {"answers": {"database": {"answers": ["Postgres (Recommended)"]}}}
    assert "answer 'What should the service be called?' in the chat" in note


async def test_an_editor_that_refuses_message_requests_is_told_and_the_model_goes_on(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, 'approval_policy = "never"')
    model.script(
        Reply([FunctionCall("request_user_input", {"questions": [DB]}, "ask1")]),
        Reply([Text("Going with Postgres.")]),
    )
    caps = types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True))
    await editor.start(capabilities=caps)
    refused: list[Any] = []

    def refuse(params: Any) -> None:  # as Helix 25.07 answers it
        refused.append(params)
        raise JsonRpcMethodNotFound.of("window/showMessageRequest")

    editor.client.protocol.fm.features["window/showMessageRequest"] = refuse
    result = await editor.command("codex.runTask", {"prompt": "set up the service"})
    assert result["status"] == "answered" and result["text"] == "Going with Postgres.", result
    assert len(refused) == 1
    shown = [m["message"] for m in editor.state.messages]
    assert any("Which database should the service use?" in m for m in shown), shown
    (output,) = outputs(model, 1)
    assert json.loads(output.split("\n", 1)[0]) == {"answers": {}}
    assert "could not be asked" in output


async def test_a_bad_call_is_an_error_the_model_can_fix(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, 'approval_policy = "never"')
    model.script(
        Reply([FunctionCall("request_user_input", {"questions": [DB, DB, DB, DB]}, "ask1")]),
        Reply([Text("Fine.")]),
    )
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "set up the service"})
    assert result["status"] == "answered", result
    assert editor.state.message_requests == []
    assert outputs(model, 1) == ["Error: ask at most 3 questions at a time"]
