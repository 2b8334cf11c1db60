"""`request_user_input` in our plugins' inline UI, end to end: a client announcing
`experimental.codexUserInput` gets the whole call as one `codex/requestUserInput`
request (thread, call id, the questions as the model wrote them); its answers (option
labels, typed text) reach the model as Codex sends them. Dismissed or unanswered
within `approval_timeout_sec`: the model hears so; unanswered or its turn cancelled:
the server withdraws the request with `$/cancelRequest`. A client that answers the request
with an error, and every client without the capability, gets `window/showMessageRequest`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound

from tests.e2e.test_e2e_exec_command import outputs, write_gpt55_config
from tests.e2e.test_e2e_user_input import DB, NAME
from tests.support.lsp_client import Editor, RawResultProtocol
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

METHOD = "codex/requestUserInput"
ASKED = "Asked."
NEVER = 'approval_policy = "never"'


def capabilities(user_input: bool) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        experimental={"codexUserInput": True} if user_input else None,
    )


def answer_with(editor: Editor, answer: Any) -> list[dict[str, Any]]:
    """Answer every `codex/requestUserInput` with `answer` (a value, or a callable that
    may raise); the requests' params, as received."""
    seen: list[dict[str, Any]] = []

    async def handle(params: Any) -> Any:
        seen.append(json.loads(json.dumps(params, default=vars)))
        return await answer() if callable(answer) else answer

    editor.client.protocol.fm.features[METHOD] = handle
    return seen


def ask_script(model: ScriptedModelServer, *calls: list[dict[str, Any]]) -> None:
    model.script(
        *(
            Reply([FunctionCall("request_user_input", {"questions": qs}, f"ask{n}")])
            for n, qs in enumerate(calls, 1)
        ),
        Reply([Text(ASKED)]),
    )


async def run_task(editor: Editor) -> dict[str, Any]:
    result = await editor.command("codex.runTask", {"prompt": "set up the service"})
    assert result["status"] == "answered" and result["text"] == ASKED, result
    return dict(result)


async def test_the_whole_call_is_one_inline_request_and_typed_text_is_a_user_note(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, NEVER)
    ask_script(model, [DB, NAME])
    answers = {
        "answers": {
            "database": {"answers": ["Postgres (Recommended)"]},
            "name": {"answers": ["payments-api"]},
        }
    }
    seen = answer_with(editor, answers)
    await editor.start(capabilities=capabilities(True))
    result = await run_task(editor)
    assert seen == [{"threadId": result["threadId"], "callId": "ask1", "questions": [DB, NAME]}]
    assert editor.state.message_requests == []
    (output,) = outputs(model, 1)
    assert json.loads(output) == {
        "answers": {
            "database": {"answers": ["Postgres (Recommended)"]},
            "name": {"answers": ["user_note: payments-api"]},
        }
    }


async def test_a_dismissed_form_tells_the_model(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, NEVER)
    ask_script(model, [DB])
    seen = answer_with(editor, None)
    await editor.start(capabilities=capabilities(True))
    await run_task(editor)
    assert len(seen) == 1 and editor.state.message_requests == []
    (output,) = outputs(model, 1)
    first, note = output.split("\n", 1)
    assert json.loads(first) == {"answers": {}}
    assert "dismissed" in note
    assert withdrawn_events(editor) == [] and _protocol(editor).cancels == []  # it was answered


async def test_no_answer_within_the_approval_timeout_counts_as_dismissed(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, f"{NEVER}\napproval_timeout_sec = 0.5")
    ask_script(model, [DB])
    never = asyncio.Event()

    async def wait_forever() -> Any:
        await never.wait()

    seen = answer_with(editor, wait_forever)
    await editor.start(capabilities=capabilities(True))
    await run_task(editor)
    assert len(seen) == 1 and editor.state.message_requests == []
    (output,) = outputs(model, 1)
    assert "dismissed the questions" in output
    # The server withdrew its request (the client closes its prompt), and said so in an
    # event naming the call (Neovim's handlers do not see request ids).
    assert asked_ids(editor) and asked_ids(editor) == withdrawn_ids(editor)
    assert withdrawn_events(editor) == [
        {"type": "questionWithdrawn", "threadId": seen[0]["threadId"], "callId": "ask1", "reason": "timeout"}
    ]


def withdrawn_events(editor: Editor) -> list[dict[str, Any]]:
    return [e for e in editor.state.events if e.get("type") == "questionWithdrawn"]


def _protocol(editor: Editor) -> RawResultProtocol:
    protocol = editor.client.protocol
    assert isinstance(protocol, RawResultProtocol)
    return protocol


def asked_ids(editor: Editor) -> list[Any]:
    """The ids of the server's `codex/requestUserInput` requests."""
    return [i for m, i in _protocol(editor).request_ids if m == METHOD]


def withdrawn_ids(editor: Editor) -> list[Any]:
    """Those of them the server withdrew with `$/cancelRequest`."""
    return [i for i in _protocol(editor).cancels if i in asked_ids(editor)]


async def test_a_cancelled_turn_withdraws_the_open_questions(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, NEVER)
    ask_script(model, [DB])
    never = asyncio.Event()

    async def wait_forever() -> Any:
        await never.wait()

    seen = answer_with(editor, wait_forever)
    await editor.start(capabilities=capabilities(True))
    turn = asyncio.ensure_future(editor.command("codex.runTask", {"prompt": "set up"}))
    await editor.wait_for(lambda: len(seen) == 1)
    # Nothing withdrawn while the server waits.
    assert withdrawn_ids(editor) == [] and withdrawn_events(editor) == []
    assert (await editor.command("codex.cancel"))["status"] == "cancelled"
    assert (await turn)["status"] == "cancelled"
    await editor.wait_for(lambda: withdrawn_ids(editor) == asked_ids(editor))
    assert len(asked_ids(editor)) == 1
    (event,) = withdrawn_events(editor)
    assert (event["callId"], event["reason"]) == ("ask1", "cancelled")


async def test_a_client_error_falls_back_to_message_requests_for_the_session(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, NEVER)
    ask_script(model, [DB], [NAME])

    async def refuse() -> Any:
        raise JsonRpcMethodNotFound.of(METHOD)

    seen = answer_with(editor, refuse)
    editor.message_answers = ["SQLite", "api"]
    await editor.start(capabilities=capabilities(True))
    await run_task(editor)
    assert len(seen) == 1  # refused once: not sent again this session
    assert [m["actions"][0]["title"] for m in editor.state.message_requests] == [
        "Postgres (Recommended)",
        "api",
    ]
    assert json.loads(outputs(model, 1)[0]) == {"answers": {"database": {"answers": ["SQLite"]}}}
    assert json.loads(outputs(model, 2)[1]) == {"answers": {"name": {"answers": ["api"]}}}


async def test_a_client_without_the_capability_keeps_message_requests(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, NEVER)
    ask_script(model, [DB])
    seen = answer_with(editor, {"answers": {"database": {"answers": ["SQLite"]}}})
    editor.message_answers = ["Postgres (Recommended)"]
    await editor.start(capabilities=capabilities(False))
    await run_task(editor)
    assert seen == []
    assert len(editor.state.message_requests) == 1
    assert json.loads(outputs(model, 1)[0]) == {
        "answers": {"database": {"answers": ["Postgres (Recommended)"]}}
    }
