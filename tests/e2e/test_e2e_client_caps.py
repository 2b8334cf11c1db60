"""Clients that announce less than they do, and clients that do less.

`workspace/applyEdit` is tried even when `workspace.applyEdit` is not announced (Kate
applies edits it does not announce). Only a MethodNotFound answer makes the server
write closed files itself and refuse edits to open buffers, and that is remembered.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound

from tests.e2e.test_e2e_edit import PATCH, RANGE, script_edit
from tests.support.lsp_client import Editor
from tests.support.model_server import ScriptedModelServer

pytestmark = pytest.mark.e2e

NO_APPLY_EDIT = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(apply_edit=False),
    window=types.WindowClientCapabilities(work_done_progress=True),
)
NEW_LINE = '    return f"hello {name}"'


def lacks_apply_edit(editor: Editor) -> list[Any]:
    """Answer `workspace/applyEdit` with MethodNotFound, as an editor without it does."""
    attempts: list[Any] = []

    def refuse(params: Any) -> None:
        attempts.append(params)
        raise JsonRpcMethodNotFound.of("workspace/applyEdit")

    editor.client.protocol.fm.features["workspace/applyEdit"] = refuse
    return attempts


async def edit_hello(editor: Editor, uri: str) -> dict[str, Any]:
    editor.message_answers = ["Apply"]
    args = {"uri": uri, "range": RANGE, "instruction": "f-string"}
    result: dict[str, Any] = await editor.command("codex.editSelection", args)
    return result


async def test_closed_file_is_written_on_disk_when_apply_edit_is_not_found(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    script_edit(model)
    script_edit(model, PATCH.replace("'hi ' + name", '"hi " + name').replace(
        '+    return f"hello {name}"', '+    return f"hi {name}"'))
    attempts = lacks_apply_edit(editor)
    await editor.start(capabilities=NO_APPLY_EDIT)
    uri = (workspace / "hello.py").as_uri()
    result = await edit_hello(editor, uri)
    assert result["status"] == "applied", result
    assert len(attempts) == 1  # tried once: the editor might have applied it
    assert (workspace / "hello.py").read_text().splitlines()[1] == NEW_LINE
    assert not list(workspace.glob(".*codex-tmp"))
    (workspace / "hello.py").write_text("def greet(name):\n    return \"hi \" + name\n")
    second = await edit_hello(editor, uri)
    assert second["status"] == "applied", second
    assert len(attempts) == 1  # MethodNotFound is remembered for the session
    assert (workspace / "hello.py").read_text().splitlines()[1] == '    return f"hi {name}"'


async def test_open_file_fails_at_once_when_apply_edit_is_not_found(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    script_edit(model)
    before = (workspace / "hello.py").read_text()
    attempts = lacks_apply_edit(editor)
    await editor.start(capabilities=NO_APPLY_EDIT)
    uri = editor.open("hello.py")
    started = time.monotonic()
    result = await edit_hello(editor, uri)
    assert time.monotonic() - started < 20
    assert len(attempts) == 1
    assert (workspace / "hello.py").read_text() == before
    assert result["status"] == "failed", result
    assert "does not accept workspace edits" in result["error"] and "hello.py" in result["error"]
    assert "MethodNotFound" in result["error"]


async def test_unannounced_apply_edit_edits_the_open_buffer(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    """Kate: no `workspace.applyEdit`, yet it applies `workspace/applyEdit` to its buffers."""
    script_edit(model)
    before = (workspace / "hello.py").read_text()
    await editor.start(capabilities=NO_APPLY_EDIT)
    uri = editor.open("hello.py")
    result = await edit_hello(editor, uri)
    assert result["status"] == "applied", result
    [applied] = editor.state.apply_edits
    assert list(applied["edit"]["changes"]) == [uri]  # no `documentChanges` announced either
    assert editor.state.docs[uri].text.splitlines()[1] == NEW_LINE
    assert (workspace / "hello.py").read_text() == before  # the buffer, not the disk


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
