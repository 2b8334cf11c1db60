"""Waiting commands in process: their labels, the newest item of either kind, the actions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from codex_lsp.core.protocol import CommandRequest, EditProposal, FileEdit
from codex_lsp.lsp.edits.pending_changes import PendingChanges
from codex_lsp.lsp.edits.reviewed_edit import ShownEdit
from codex_lsp.lsp.edits.waiting_commands import NoWaitingCommand, command_label, what
from codex_lsp.lsp.edits.workspace_edits import ClientEditSupport
from codex_lsp.lsp.features.pending_decisions import pending_actions
from tests.unit.test_lsp_pending_changes import Recorder


def shell(*argv: str) -> CommandRequest:
    return CommandRequest("t1", list(argv), Path("/ws"))


def test_labels_are_one_line_quoted_and_short() -> None:
    assert command_label(shell("git", "status")) == "`git status`"
    sneaky = shell("bash", "-c", "echo `id`\nrm -rf x")
    assert command_label(sneaky) == "`bash -c 'echo 'id' rm -rf x'`"
    assert "\n" not in command_label(sneaky) and command_label(sneaky).count("`") == 2
    long = command_label(shell("echo", "x" * 200))
    assert len(long) == 62 and long.endswith("…`")
    mcp = CommandRequest("t1", ["mcp", "calc", "add"], Path("/ws"), kind="mcp", server="calc",
                         tool="add")
    assert what(mcp) == "MCP tool `calc/add`" and what(shell("ls")) == "command `ls`"


async def test_the_newest_item_of_either_kind_and_where_actions_are_offered(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    pending = PendingChanges(recorder.publish, recorder.notify)
    target = tmp_path / "a.py"
    target.write_text("a = 1\n")
    proposal = EditProposal("t0", "Edit", [FileEdit(target, "update", "a = 1\n", "a = 2\n")])
    reviewed = ShownEdit.of(proposal, lambda p: p.name, ClientEditSupport())
    change = asyncio.ensure_future(pending.wait(reviewed, "edit a.py", 60))
    await asyncio.sleep(0)
    origin = tmp_path / "origin.py"
    command = asyncio.ensure_future(pending.commands.wait(shell("touch", "x"), origin, 60))
    await asyncio.sleep(0)
    newest = pending.newest()
    assert newest is not None and newest.id == "command-1"
    assert recorder.messages[-1].startswith("Codex wants to run the command: touch x in /ws")
    assert '"Codex: Allow command `touch x`" in origin.py' in recorder.messages[-1]

    elsewhere = pending_actions(pending, str(target), target.as_uri(), 0, 0)
    assert not any(a["title"].startswith("Codex: Allow") for a in elsewhere)
    here = pending_actions(pending, str(origin), origin.as_uri(), 7, 7)
    assert [a["command"]["arguments"][0] for a in here] == [
        {"commandId": "command-1"},
        {"commandId": "command-1", "forSession": True},
        {"commandId": "command-1"},
    ]

    pending.commands.decide(None, "approveForSession")
    assert await command == "approveForSession"
    newest = pending.newest()
    assert newest is not None and newest.id == "change-1"
    with pytest.raises(NoWaitingCommand):
        pending.commands.get("command-1")
    change.cancel()
