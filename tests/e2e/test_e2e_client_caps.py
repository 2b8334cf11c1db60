"""Clients that announce less: no `workspace.applyEdit` means no applyEdit request."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from lsprotocol import types

from tests.e2e.test_e2e_edit import RANGE, script_edit
from tests.support.lsp_client import MESSAGE_REQUESTS, Editor
from tests.support.model_server import ScriptedModelServer

pytestmark = pytest.mark.e2e

NO_APPLY_EDIT = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(apply_edit=False),
    window=types.WindowClientCapabilities(work_done_progress=True, show_message=MESSAGE_REQUESTS),
)


async def test_closed_file_is_written_on_disk_without_apply_edit(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    script_edit(model)
    await editor.start(capabilities=NO_APPLY_EDIT)
    editor.message_answers = ["Apply"]
    args = {"uri": (workspace / "hello.py").as_uri(), "range": RANGE, "instruction": "f-string"}
    result = await editor.command("codex.editSelection", args)
    assert result["status"] == "applied", result
    assert editor.state.apply_edits == []
    assert (workspace / "hello.py").read_text().splitlines()[1] == '    return f"hello {name}"'
    assert not list(workspace.glob(".*codex-tmp"))


async def test_open_file_fails_at_once_without_apply_edit(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    script_edit(model)
    before = (workspace / "hello.py").read_text()
    await editor.start(capabilities=NO_APPLY_EDIT)
    uri = editor.open("hello.py")
    editor.message_answers = ["Apply"]
    started = time.monotonic()
    result = await editor.command(
        "codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "f-string"}
    )
    assert time.monotonic() - started < 20
    assert editor.state.apply_edits == []
    assert (workspace / "hello.py").read_text() == before
    assert result["status"] == "failed", result
    assert "does not accept workspace edits" in result["error"] and "hello.py" in result["error"]


async def test_requests_are_answered_while_the_sandbox_probe_runs(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str]
) -> None:
    """A slow `bwrap` (a real script on PATH) must not stall the event loop.

    The probe cannot finish before the test lets it (a flag file), so "answered while
    the probe runs" is an ordering, not a timing, whatever the machine's load.
    """
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    release = tmp_path / "release-probe"
    bwrap = fake_bin / "bwrap"
    bwrap.write_text(
        f"#!/bin/sh\nfor _ in $(seq 300); do [ -e '{release}' ] && exit 0; sleep 0.1; done\nexit 0\n"
    )
    bwrap.chmod(0o755)
    env = {**editor_env, "PATH": f"{fake_bin}:{os.environ.get('PATH', '')}"}
    editor = Editor(workspace, env)
    try:
        await editor.start()
        status = asyncio.ensure_future(editor.command("codex.status", timeout=60))
        await asyncio.sleep(0.2)
        threads = await editor.command("codex.listThreads", timeout=20)
        assert threads["status"] == "answered"
        assert not status.done()  # still probing: the loop answered around it
        release.touch()
        answer = await status
        assert answer["sandbox"]["available"] is True, answer["sandbox"]
        assert str(bwrap) in answer["sandbox"]["reason"]
    finally:
        await editor.stop()
