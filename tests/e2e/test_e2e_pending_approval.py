"""Issue 19.1: approving an edit with nothing but code actions (Helix 25.07 has no prompt).

The client announces Helix's real initialize capabilities
(`tests/support/clients/helix.json`, read from Helix's sources) and answers any
server request Helix does not handle as Helix does: MethodNotFound. The server
tries the prompt once, remembers the refusal, and a proposed change then waits
as a pending change with diagnostics and code actions, landing through
`workspace/applyEdit` when the user picks "Codex: Apply change".
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import converters, types
from pygls.exceptions import JsonRpcException

from tests.e2e.conftest import write_config
from tests.support.lsp_client import MESSAGE_REQUESTS, Editor, to_json
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

HELIX = json.loads(
    (Path(__file__).parents[1] / "support" / "clients" / "helix.json").read_text(encoding="utf-8")
)
SOURCE = (
    "def greet(name):\n"
    "    # codex: say hello instead of hi\n"
    "    return 'hi ' + name\n"
    "\n"
    "\n"
    "print(greet('bob'))\n"
)
SELECTION = {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}
ONE_HUNK = "*** Update File: hello.py\n@@\n-    return 'hi ' + name\n+    return 'hello ' + name\n"
TWO_HUNKS = ONE_HUNK + "@@\n-print(greet('bob'))\n+print(greet('alice'))\n"


def patch_call(body: str) -> FunctionCall:
    return FunctionCall("apply_patch", {"input": f"*** Begin Patch\n{body}*** End Patch\n"})


def helix_capabilities(show_message: bool = False) -> types.ClientCapabilities:
    """Helix 25.07.1's capabilities (optionally with `window.showMessage` added)."""
    caps: types.ClientCapabilities = converters.get_converter().structure(
        HELIX["capabilities"], types.ClientCapabilities
    )
    if show_message:
        assert caps.window is not None
        caps.window.show_message = MESSAGE_REQUESTS
    return caps


def answer_like_helix(editor: Editor) -> None:
    """Server requests Helix does not handle get its MethodNotFound answer."""
    handled = set(HELIX["serverRequests"]["handled"])
    error = HELIX["serverRequests"]["otherwise"]
    for method in ("window/showMessageRequest", "codex/approveEdit", "codex/approveCommand"):
        assert method not in handled

        async def refuse(params: Any, method: str = method) -> Any:
            editor.state.message_requests.append({"method": method, **to_json(params)})
            raise JsonRpcException(code=error["code"], message=error["message"].format(method=method))

        editor.client.protocol.fm.features[method] = refuse


async def start_helix(editor: Editor, show_message: bool = False) -> str:
    answer_like_helix(editor)
    await editor.start(capabilities=helix_capabilities(show_message))
    return editor.open("hello.py", SOURCE)


def pending_diagnostics(editor: Editor, uri: str) -> list[dict[str, Any]]:
    return [d for d in editor.state.diagnostics.get(uri, []) if d.get("code") == "pending-change"]


async def helix_code_actions(editor: Editor, uri: str, line: int) -> list[dict[str, Any]]:
    """`textDocument/codeAction` as Helix sends it: the cursor's overlapping diagnostics, no `only`."""
    overlapping = [
        d
        for d in editor.state.diagnostics.get(uri, [])
        if d["range"]["start"]["line"] <= line <= d["range"]["end"]["line"]
    ]
    conv = converters.get_converter()
    result = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(line, 4), types.Position(line, 4)),
            context=types.CodeActionContext(
                diagnostics=[conv.structure(d, types.Diagnostic) for d in overlapping],
                trigger_kind=types.CodeActionTriggerKind.Invoked,
            ),
        )
    )
    return [to_json(a) for a in result or []]


async def run(editor: Editor, action: dict[str, Any]) -> Any:
    """Execute a code action's command, as Helix does (`workspace/executeCommand`)."""
    command = action["command"]
    return await editor.command(command["command"], *command.get("arguments", []))


def edit_selection(editor: Editor, uri: str) -> asyncio.Future[Any]:
    """"Codex: Edit selection…" on a selection holding a `# codex:` instruction."""
    return asyncio.ensure_future(
        editor.command("codex.editSelection", {"uri": uri, "range": SELECTION}, timeout=60)
    )


async def test_helix_applies_the_change_from_a_code_action(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("Now it says hello.")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    [diag] = pending_diagnostics(editor, uri)
    assert diag["range"] == {"start": {"line": 2, "character": 0}, "end": {"line": 3, "character": 0}}
    assert (diag["severity"], diag["source"]) == (3, "codex")
    assert "replace 1 line with 1: return 'hello ' + name" in diag["message"]
    assert '"Codex: Apply change"' in diag["message"] and "codex.approve" in diag["message"]
    # Tried once although Helix announces no prompt; its MethodNotFound is remembered.
    assert [r["method"] for r in editor.state.message_requests] == ["window/showMessageRequest"]
    [notice] = [m for m in editor.state.messages if "Codex proposes" in m["message"]]
    assert "edit hello.py (+1 -1)" in notice["message"]
    assert editor.state.progress[-1]["value"] == {
        "kind": "report",
        "message": 'Waiting for your decision: code action "Codex: Apply change" or codex.approve',
    }

    actions = await helix_code_actions(editor, uri, 2)
    titles = [a["title"] for a in actions]
    assert titles[:3] == ["Codex: Apply change", "Codex: Reject change", "Codex: Show diff"]
    assert "Codex: Apply this hunk" not in titles  # one hunk: the change itself
    apply, _reject, show = actions[:3]
    assert apply["kind"] == "quickfix" and apply["isPreferred"] is True
    assert apply["diagnostics"] == [diag]
    assert apply["command"]["command"] == "codex.approve"

    shown = await run(editor, show)  # Helix 25.07 announces no showDocument: a message
    assert shown["status"] == "answered"
    assert editor.state.shown_documents == []
    diff_message = editor.state.messages[-1]["message"]
    assert "edit hello.py (+1 -1)" in diff_message
    assert "-    return 'hi ' + name\n+    return 'hello ' + name" in diff_message

    approved = await run(editor, apply)
    assert approved["status"] == "answered" and approved["changeId"] == diag["data"]["changeId"]
    result = await turn
    assert result["status"] == "applied", result
    assert result["changedFiles"] == ["hello.py"]
    [applied] = editor.state.apply_edits
    assert applied["edit"]["documentChanges"][0]["textDocument"] == {"uri": uri, "version": 1}
    assert editor.state.docs[uri].text == SOURCE.replace("'hi '", "'hello '")
    assert pending_diagnostics(editor, uri) == []
    assert (await editor.command("codex.approve"))["status"] == "failed"  # nothing pending now


async def test_apply_this_hunk_applies_only_that_hunk(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Reply([patch_call(TWO_HUNKS)]), Reply([Text("Only the call changed.")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: len(pending_diagnostics(editor, uri)) == 2)
    actions = await helix_code_actions(editor, uri, 5)
    [hunk] = [a for a in actions if a["title"] == "Codex: Apply this hunk"]
    assert hunk["command"]["arguments"][0]["hunk"] == 1
    assert hunk["diagnostics"][0]["range"]["start"]["line"] == 5
    await run(editor, hunk)
    result = await turn
    assert result["status"] == "applied", result
    text = editor.state.docs[uri].text
    assert "return 'hi ' + name" in text and "greet('alice')" in text
    body = model.requests[1].body
    assert body is not None
    output = [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    assert "1 of 2 hunks applied" in output[0]


async def test_reject_change_ends_the_turn_rejected(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("unused")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    actions = await helix_code_actions(editor, uri, 0)  # anywhere in the file
    [reject] = [a for a in actions if a["title"] == "Codex: Reject change"]
    assert "diagnostics" not in reject  # line 0 is not a changed line
    assert (await run(editor, reject))["status"] == "answered"
    result = await turn
    assert result["status"] == "rejected", result
    assert editor.state.apply_edits == []
    assert editor.state.docs[uri].text == SOURCE
    assert pending_diagnostics(editor, uri) == []


async def test_lsp_workspace_command_approve_without_arguments(
    editor: Editor, model: ScriptedModelServer
) -> None:
    """Helix's `:lsp-workspace-command codex.approve` sends `arguments: []`."""
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("done")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    assert HELIX["executeCommand"]["argumentsWhenNone"] == []
    approved = await editor.command("codex.approve")
    assert approved["status"] == "answered"
    result = await turn
    assert result["status"] == "applied", result
    assert "return 'hello ' + name" in editor.state.docs[uri].text


async def test_cancel_request_while_pending_withdraws_the_change(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("unused")]))
    uri = await start_helix(editor)
    future = asyncio.ensure_future(
        editor.client.protocol.send_request_async(
            "workspace/executeCommand",
            types.ExecuteCommandParams(
                command="codex.editSelection", arguments=[{"uri": uri, "range": SELECTION}]
            ),
            msg_id="edit-1",
        )
    )
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    editor.client.protocol.notify("$/cancelRequest", types.CancelParams(id="edit-1"))
    with pytest.raises(Exception, match="cancel"):
        await asyncio.wait_for(future, 10)
    await editor.wait_for(lambda: pending_diagnostics(editor, uri) == [])
    assert (await editor.command("codex.approve"))["status"] == "failed"
    assert (await editor.command("codex.status"))["running"] == []
    assert editor.state.apply_edits == []


async def test_codex_cancel_while_pending(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("unused")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    assert (await editor.command("codex.cancel"))["status"] == "cancelled"
    assert (await turn)["status"] == "cancelled"
    await editor.wait_for(lambda: pending_diagnostics(editor, uri) == [])
    assert editor.state.apply_edits == []


async def test_progress_cancel_while_pending(editor: Editor, model: ScriptedModelServer) -> None:
    """Helix announces `workDoneProgress`: its cancel ends the wait like the others."""
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("unused")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    [begin] = [p for p in editor.state.progress if p["value"]["kind"] == "begin"]
    editor.client.protocol.notify(
        "window/workDoneProgress/cancel", types.WorkDoneProgressCancelParams(token=begin["token"])
    )
    assert (await turn)["status"] == "cancelled"
    await editor.wait_for(lambda: pending_diagnostics(editor, uri) == [])
    assert editor.state.apply_edits == []


async def test_pending_change_times_out_as_a_prompt_does(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, "approval_timeout_sec = 0.5")
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("unused")]))
    uri = await start_helix(editor)
    result = await edit_selection(editor, uri)
    assert result["status"] == "rejected"
    assert editor.state.messages[-1]["message"] == (
        "Codex: edit hello.py (+1 -1): No decision within 0.5s; edit rejected."
    )
    assert pending_diagnostics(editor, uri) == []
    assert editor.state.apply_edits == []


async def test_never_policy_applies_without_a_pending_change(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, 'approval_policy = "never"')
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("done")]))
    uri = await start_helix(editor)
    result = await edit_selection(editor, uri)
    assert result["status"] == "applied", result
    assert editor.state.diagnostic_updates == 0
    assert not any("Codex proposes" in m["message"] for m in editor.state.messages)


async def test_a_prompt_refused_with_method_not_found_falls_back_to_pending(
    editor: Editor, model: ScriptedModelServer
) -> None:
    """A client that announces `window.showMessage` but answers the request with an error."""
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("done")]))
    uri = await start_helix(editor, show_message=True)
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    assert [r["method"] for r in editor.state.message_requests] == ["window/showMessageRequest"]
    await editor.command("codex.approve")
    assert (await turn)["status"] == "applied"


async def test_a_dismissed_prompt_falls_back_to_pending(
    editor: Editor, model: ScriptedModelServer
) -> None:
    """A client with prompts whose user closed the message (a null answer): undecided."""
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("done")]))
    await editor.start()
    uri = editor.open("hello.py", SOURCE)
    editor.message_answers = [None]
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    assert len(editor.state.message_requests) == 1
    actions = await editor.code_actions(uri, (2, 0), (2, 0))
    [apply] = [a for a in actions if a["title"] == "Codex: Apply change"]
    [show] = [a for a in actions if a["title"] == "Codex: Show diff"]
    shown = await run(editor, show)  # this client opens documents: the diff as a file
    assert shown["documentUri"].endswith(".diff")
    assert editor.state.shown_documents[-1]["uri"] == shown["documentUri"]
    await run(editor, apply)
    result = await turn
    assert result["status"] == "applied", result
    assert "return 'hello ' + name" in editor.state.docs[uri].text


async def test_an_explicit_reject_in_the_prompt_is_a_rejection(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("unused")]))
    await editor.start()
    uri = editor.open("hello.py", SOURCE)
    editor.message_answers = ["Reject"]
    result = await edit_selection(editor, uri)
    assert result["status"] == "rejected"
    assert editor.state.diagnostic_updates == 0


async def test_a_refused_prompt_is_not_tried_again_this_session(
    editor: Editor, model: ScriptedModelServer
) -> None:
    """Helix answered MethodNotFound once: the next change goes straight to pending."""
    model.script(
        Reply([patch_call(ONE_HUNK)]),
        Reply([Text("first done")]),
        Reply([patch_call("*** Update File: hello.py\n@@\n-print(greet('bob'))\n+print(greet('eve'))\n")]),
        Reply([Text("second done")]),
    )
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    await editor.command("codex.approve")
    assert (await turn)["status"] == "applied"
    await editor.wait_for(lambda: pending_diagnostics(editor, uri) == [])
    turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    await editor.command("codex.approve")
    assert (await turn)["status"] == "applied"
    assert "greet('eve')" in editor.state.docs[uri].text
    assert [r["method"] for r in editor.state.message_requests] == ["window/showMessageRequest"]


async def test_a_prompt_answered_without_being_announced_decides(
    editor: Editor, model: ScriptedModelServer
) -> None:
    """Debian's Eglot 1.9 announces no `window.showMessage` but shows the prompt."""
    model.script(Reply([patch_call(ONE_HUNK)]), Reply([Text("done")]))
    caps = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(apply_edit=True),
        window=types.WindowClientCapabilities(work_done_progress=True),
    )
    await editor.start(capabilities=caps)
    uri = editor.open("hello.py", SOURCE)
    editor.message_answers = ["Apply"]
    result = await edit_selection(editor, uri)
    assert result["status"] == "applied", result
    [prompt] = editor.state.message_requests
    assert [a["title"] for a in prompt["actions"]] == ["Apply", "Show diff", "Reject"]
    assert editor.state.diagnostic_updates == 0  # decided in the prompt: nothing pending
    assert editor.state.docs[uri].text == SOURCE.replace("'hi '", "'hello '")
