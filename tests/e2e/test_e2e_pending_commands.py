"""Issue 19.1: approving a command or an MCP call with nothing but code actions (Helix).

With `approval_policy = "untrusted"` a shell command needs the user's yes. Helix
25.07 answers `window/showMessageRequest` with MethodNotFound
(`tests/support/clients/helix.json`); the command must then wait, say so in a
message and in the progress, and be decided from a code action in the document
the turn started from, or by `codex.approve` / `codex.reject` without arguments.
It must never reach the model as "Method not found".
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import write_config
from tests.e2e.test_e2e_pending_approval import (
    ONE_HUNK,
    SOURCE,
    edit_selection,
    helix_code_actions,
    patch_call,
    pending_diagnostics,
    run,
    start_helix,
)
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

MCP_SERVER = Path(__file__).resolve().parents[1] / "support" / "mcp_server.py"
UNTRUSTED = 'approval_policy = "untrusted"\nsandbox_mode = "danger-full-access"'
TOUCH = FunctionCall("shell", {"command": ["touch", "made.txt"]})
WAITING = 'Waiting for your decision: code action "Codex: Allow command" or codex.approve'


def outputs(model: ScriptedModelServer, request: int) -> list[str]:
    """The tool outputs the model got in request `request`."""
    body = model.requests[request].body
    assert body is not None
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]


def notices(editor: Editor) -> list[str]:
    return [m["message"] for m in editor.state.messages if m["message"].startswith("Codex wants")]


async def waiting(editor: Editor) -> list[dict[str, Any]]:
    """Wait until a command waits for a decision; `codex.status` lists it."""
    await editor.wait_for(lambda: bool(notices(editor)), timeout=30)
    status = await editor.command("codex.status")
    commands: list[dict[str, Any]] = status["pendingCommands"]
    assert commands, status
    return commands


def titled(actions: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [a for a in actions if a["title"].startswith(prefix)]


async def test_helix_allows_a_command_from_a_code_action(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    write_config(codex_home, model.base_url, UNTRUSTED)
    model.script(Reply([TOUCH]), Reply([Text("Made it.")]))
    uri = await start_helix(editor)
    other = editor.open("other.py", "x = 1\n")
    turn = edit_selection(editor, uri)
    [pending] = await waiting(editor)
    assert pending["command"] == ["touch", "made.txt"] and pending["kind"] == "shell"
    [notice] = notices(editor)
    assert notice.startswith(f"Codex wants to run the command: touch made.txt in {workspace}")
    assert '"Codex: Allow command `touch made.txt`" in hello.py' in notice
    assert "codex.approve" in notice and "codex.reject" in notice
    assert editor.state.progress[-1]["value"] == {"kind": "report", "message": WAITING}
    assert not (workspace / "made.txt").exists()

    for line in (0, 5):  # anywhere in the document the turn started from
        actions = await helix_code_actions(editor, uri, line)
        assert [a["title"] for a in actions[:3]] == [
            "Codex: Allow command `touch made.txt`",
            "Codex: Allow command `touch made.txt` for this session",
            "Codex: Deny command `touch made.txt`",
        ]
    assert titled(await helix_code_actions(editor, other, 0), "Codex: Allow") == []
    allow = actions[0]
    assert allow["command"] == {
        "title": allow["title"],
        "command": "codex.approve",
        "arguments": [{"commandId": pending["commandId"]}],
    }
    allowed = await run(editor, allow)
    assert allowed["status"] == "answered" and allowed["commandId"] == pending["commandId"]
    result = await turn
    assert result["status"] == "answered" and result["text"] == "Made it.", result
    assert (workspace / "made.txt").exists()
    [output] = outputs(model, 1)
    assert output.startswith("Exit code: 0") and "Method not found" not in output
    assert titled(await helix_code_actions(editor, uri, 0), "Codex: Allow") == []
    assert (await editor.command("codex.status"))["pendingCommands"] == []


async def test_deny_command_from_a_code_action(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    write_config(codex_home, model.base_url, UNTRUSTED)
    model.script(Reply([TOUCH]), Reply([Text("Left it.")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await waiting(editor)
    [deny] = titled(await helix_code_actions(editor, uri, 2), "Codex: Deny command")
    assert deny["command"]["command"] == "codex.reject"
    assert (await run(editor, deny))["text"] == "Denied: command `touch made.txt`"
    assert (await turn)["status"] == "answered"
    assert "rejected by user" in outputs(model, 1)[0]
    assert not (workspace / "made.txt").exists()


async def test_allowed_for_this_session_is_not_asked_again(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    write_config(codex_home, model.base_url, UNTRUSTED)
    model.script(Reply([TOUCH]), Reply([TOUCH]), Reply([Text("Twice.")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await waiting(editor)
    [always] = titled(await helix_code_actions(editor, uri, 0), "Codex: Allow command")[1:]
    assert always["command"]["arguments"][0]["forSession"] is True
    assert (await run(editor, always))["text"].startswith("Allowed for this session: ")
    assert (await turn)["status"] == "answered"
    assert len(notices(editor)) == 1
    assert outputs(model, 2)[-1].startswith("Exit code: 0")
    # Helix refused the prompt once; it was not asked again for the second command.
    assert [r["method"] for r in editor.state.message_requests] == ["window/showMessageRequest"]


async def test_approve_and_reject_without_arguments_act_on_the_newest_item(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    """A change waits, then a command of another turn: `codex.reject` denies the command
    (the newest), then `codex.approve` applies the change."""
    write_config(codex_home, model.base_url, UNTRUSTED)
    model.script(
        Reply([patch_call(ONE_HUNK)]),
        Reply([TOUCH]),
        Reply([Text("Not run.")]),
        Reply([Text("Said hello.")]),
    )
    uri = await start_helix(editor)
    change_turn = edit_selection(editor, uri)
    await editor.wait_for(lambda: bool(pending_diagnostics(editor, uri)))
    command_turn = asyncio.ensure_future(
        editor.command("codex.runTask", {"prompt": "touch it"}, timeout=60)
    )
    await waiting(editor)
    rejected = await editor.command("codex.reject")
    assert rejected["text"] == "Denied: command `touch made.txt`"
    assert (await command_turn)["status"] == "answered"
    assert "rejected by user" in outputs(model, 2)[0]
    change_id = pending_diagnostics(editor, uri)[0]["data"]["changeId"]
    approved = await editor.command("codex.approve")
    assert approved["changeId"] == change_id
    assert (await change_turn)["status"] == "applied"
    assert editor.state.docs[uri].text == SOURCE.replace("'hi '", "'hello '")
    assert not (workspace / "made.txt").exists()
    assert (await editor.command("codex.approve"))["status"] == "failed"  # nothing left


async def test_a_waiting_command_times_out_denied(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    write_config(codex_home, model.base_url, UNTRUSTED + "\napproval_timeout_sec = 0.5")
    model.script(Reply([TOUCH]), Reply([Text("Timed out.")]))
    uri = await start_helix(editor)
    result = await edit_selection(editor, uri)
    assert result["status"] == "answered", result
    assert editor.state.messages[-1]["message"] == (
        "Codex: command `touch made.txt`: no decision within 0.5s; denied."
    )
    assert "rejected by user" in outputs(model, 1)[0]
    assert not (workspace / "made.txt").exists()


async def test_cancel_while_a_command_waits(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    write_config(codex_home, model.base_url, UNTRUSTED)
    model.script(Reply([TOUCH]), Reply([Text("unused")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    await waiting(editor)
    assert (await editor.command("codex.cancel"))["status"] == "cancelled"
    assert (await turn)["status"] == "cancelled"
    assert (await editor.command("codex.status"))["pendingCommands"] == []
    assert titled(await helix_code_actions(editor, uri, 0), "Codex: Allow") == []
    assert (await editor.command("codex.approve"))["status"] == "failed"
    assert not (workspace / "made.txt").exists()


async def test_never_policy_runs_without_waiting(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    write_config(
        codex_home, model.base_url, 'approval_policy = "never"\nsandbox_mode = "danger-full-access"'
    )
    model.script(Reply([TOUCH]), Reply([Text("Made it.")]))
    uri = await start_helix(editor)
    assert (await edit_selection(editor, uri))["status"] == "answered"
    assert (workspace / "made.txt").exists()
    assert notices(editor) == [] and editor.state.message_requests == []


async def test_an_mcp_call_waits_and_is_allowed_from_a_code_action(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(
        codex_home,
        model.base_url,
        'approval_policy = "untrusted"\n'
        f'[mcp_servers.calc]\ncommand = "{sys.executable}"\nargs = ["{MCP_SERVER}"]\n'
        "startup_timeout_sec = 20\n",
    )
    model.script(Reply([FunctionCall("calc__add", {"a": 2, "b": 40})]), Reply([Text("42.")]))
    uri = await start_helix(editor)
    turn = edit_selection(editor, uri)
    [pending] = await waiting(editor)
    assert pending["kind"] == "mcp"
    [notice] = notices(editor)
    assert notice.startswith("Codex wants to call MCP tool `add` on server `calc`")
    actions = await helix_code_actions(editor, uri, 0)
    [allow] = titled(actions, "Codex: Allow MCP tool `calc/add`")[:1]
    assert titled(actions, "Codex: Deny MCP tool `calc/add`")
    await run(editor, allow)
    assert (await turn)["text"] == "42."
    assert outputs(model, 1) == ["42"]


async def test_sign_in_without_a_prompt_says_how(
    editor: Editor, codex_home: Path
) -> None:
    """Not signed in, in Helix: the prompt is refused, so a message names codex.login."""
    (codex_home / "config.toml").write_text('model = "test-model"\n')
    await start_helix(editor)
    await editor.wait_for(
        lambda: any("codex.login" in m["message"] for m in editor.state.messages), timeout=30
    )
    [message] = [m for m in editor.state.messages if "codex.login" in m["message"]]
    assert message["type"] == 2 and message["message"].startswith("Not signed in")
    assert message["message"].endswith("(Run the command codex.login to sign in.)")
    assert [r["method"] for r in editor.state.message_requests] == ["window/showMessageRequest"]
