"""Suite 8, crash safety: kill -9 the server during turns and during sessions writes.

Each round starts the real server, runs a task that edits `hello.py` (the editor
applies it), adds a large `made.py` (the server writes it: the client has no
create operation) and runs a slow shell command, with a large prompt so the
sessions file takes a while to write; the server is killed at a random moment.
After each kill the user's files must be as before or fully edited; at the end a
fresh server must list and resume every thread, and a resumed thread whose tool
call was cut off must send a well-formed history (an "aborted" output).

Rounds: `CODEX_CRASH_KILLS` (default 6). Prints one `FIGURES crash-safety:` line.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.e2e.conftest import write_config
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

KILLS = int(os.environ.get("CODEX_CRASH_KILLS", "6"))
ORIGINAL = "def greet(name):\n    return 'hi ' + name\n\n\nprint(greet('bob'))\n"
EDITED = ORIGINAL.replace("'hi '", "'hello '")
BIG_LINES = [f"VALUE_{i} = {i}  # padding to make the file and its patch large" for i in range(20_000)]
BIG_FILE = "\n".join(BIG_LINES) + "\n"
CONFIG = (
    'approval_policy = "never"\nsandbox_mode = "danger-full-access"\n'
    "model_auto_compact_token_limit = 1000000000"  # big prompts, but no compaction
)
NO_CREATE = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(
        apply_edit=True,
        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
    ),
    window=types.WindowClientCapabilities(work_done_progress=True),
)


def patch(body: str) -> FunctionCall:
    return FunctionCall(
        "apply_patch", {"input": f"*** Begin Patch\n{body}*** End Patch\n"}, deltas=40
    )


def script(model: ScriptedModelServer) -> None:
    model.reset()
    update = "*** Update File: hello.py\n@@\n def greet(name):\n-    return 'hi ' + name\n+    return 'hello ' + name\n"
    add = "*** Add File: made.py\n" + "".join(f"+{line}\n" for line in BIG_LINES)
    model.script(
        Reply([Text("Editing."), patch(update + add)], delta_delay=0.01),
        Reply([FunctionCall("shell", {"command": ["sleep", "1"]})]),
        Reply([Text("Done.")]),
    )


async def kill9(editor: Editor) -> None:
    process = editor.client._server
    assert process is not None and process.returncode is None
    os.kill(process.pid, signal.SIGKILL)
    await asyncio.wait_for(process.wait(), 10)
    try:
        await asyncio.wait_for(editor.client.stop(), 5)
    except Exception:
        pass


def check_user_files(workspace: Path) -> None:
    """As before or fully edited, never in between; then reset for the next round."""
    assert (workspace / "hello.py").read_text() in (ORIGINAL, EDITED)
    made = workspace / "made.py"
    assert not made.exists() or made.read_text() == BIG_FILE
    (workspace / "hello.py").write_text(ORIGINAL)
    made.unlink(missing_ok=True)


def orphan_calls(items: list[dict[str, Any]]) -> int:
    answered = {i.get("call_id") for i in items if i.get("type") == "function_call_output"}
    return sum(1 for i in items if i.get("type") == "function_call" and i["call_id"] not in answered)


def saved_items(path: Path) -> list[dict[str, Any]]:
    items = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("type") == "item":
            items.append(record["item"])
    return items


def seen(editor: Editor, kind: str, name: str | None = None) -> bool:
    return any(
        e["type"] == kind and name in (None, e.get("name")) and e.get("phase") != "end"
        for e in editor.state.events
    )


async def crash_round(
    editor: Editor, model: ScriptedModelServer, rng: random.Random, mid_tool: bool
) -> None:
    """Kill at a random moment of the turn, or (`mid_tool`) while the shell command runs."""
    script(model)
    await editor.start(capabilities=NO_CREATE)
    prompt = "Make the edit. " + "context " * rng.choice([10, 400_000])
    task = asyncio.ensure_future(editor.command("codex.runTask", {"prompt": prompt}, timeout=60))
    if mid_tool:
        await editor.wait_for(lambda: seen(editor, "tool", "shell"), 30)
        await asyncio.sleep(rng.uniform(0.0, 0.5))
    else:
        await editor.wait_for(lambda: seen(editor, "turnStarted"), 30)
        await asyncio.sleep(rng.uniform(0.0, 2.0))
    await kill9(editor)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_kill_9_during_turns_and_writes_loses_nothing(
    workspace: Path, editor_env: dict[str, str], codex_home: Path, model: ScriptedModelServer
) -> None:
    write_config(codex_home, model.base_url, CONFIG)
    rng = random.Random(int(os.environ.get("CODEX_CRASH_SEED", "8")))
    for n in range(KILLS):
        await crash_round(Editor(workspace, editor_env), model, rng, mid_tool=n % 3 == 2)
        check_user_files(workspace)
    sessions = sorted((codex_home / "sessions").glob("*.jsonl"))
    torn = sum(1 for p in sessions if p.read_bytes()[-1:] not in (b"\n", b""))
    orphaned = [p.stem for p in sessions if orphan_calls(saved_items(p))]
    temps = list(workspace.glob(".*.codex-tmp"))

    model.reset()
    editor = Editor(workspace, editor_env)
    try:
        await editor.start()
        listed = (await editor.command("codex.listThreads"))["threads"]
        recovered = 0
        for thread in listed:
            resumed = await editor.command("codex.resumeThread", {"threadId": thread["threadId"]})
            recovered += resumed["status"] == "answered"
        assert recovered == len(listed) == len(sessions)
        assert len(orphaned) >= KILLS // 3  # the mid-tool kills left calls without output
        for thread_id in orphaned[:2]:
            model.script(Reply([Text("Continuing.")]))
            result = await editor.command("codex.ask", {"prompt": "go on", "threadId": thread_id})
            assert result["status"] == "answered"
            assert orphan_calls(model.requests[-1].body["input"]) == 0
    finally:
        await editor.stop()
    print(
        f"FIGURES crash-safety: kills={KILLS} threads_on_disk={len(sessions)} "
        f"threads_recovered={recovered}/{len(listed)} torn_tails={torn} "
        f"orphan_calls_repaired_threads={len(orphaned)} user_files_ok={KILLS}/{KILLS} "
        f"stray_temp_files={len(temps)}"
    )
