"""The live tail of a running command, end to end: while `exec_command` waits on a script
that prints a line at a time, the real server reports its latest line in `$/progress`
("▶ <step>: <line>") and as `codex/event` `toolOutput` events naming the call, before the
step ends; credentials it prints are masked; `shell` (other model families) does the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_e2e_exec_command import write_gpt55_config
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

SECRET = "sk-live-abcdefghijklmnop1234"
SCRIPT = "echo token=sk-live-$(echo abcdefghijklmnop)1234; for i in 1 2 3; do echo tick $i; sleep 0.4; done"
"""A key-shaped token (not in the command line itself), then a line at a time."""


def _events(editor: Editor, kind: str) -> list[dict[str, object]]:
    return [e for e in editor.state.events if e.get("type") == kind]


def _reports(editor: Editor) -> list[str]:
    values = [p["value"] for p in editor.state.progress]
    return [str(v.get("message", "")) for v in values if v.get("kind") == "report"]


async def test_exec_command_output_shows_live_in_progress(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, 'approval_policy = "never"\nsandbox_mode = "danger-full-access"')
    call = {"cmd": SCRIPT, "login": False, "yield_time_ms": 10000}
    model.script(Reply([FunctionCall("exec_command", call, "live1")]), Reply([Text("Ticked.")]))
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "tick"})
    assert result["status"] == "answered", result

    live = _events(editor, "toolOutput")
    assert live and all(e["callId"] == "live1" for e in live), editor.state.events
    assert any("tick 1" in str(e["tail"]) for e in live)
    steps = [e for e in editor.state.events if e.get("type") in ("tool", "toolOutput")]
    kinds = [(e["type"], e.get("phase")) for e in steps]
    assert kinds[0] == ("tool", "begin") and kinds[-1] == ("tool", "end"), kinds
    assert ("toolOutput", None) in kinds[1:-1]
    reports = _reports(editor)
    assert any(r.startswith("▶ exec_command") and r.endswith(": tick 1") for r in reports), reports
    assert any("token=[REDACTED]" in str(e["tail"]) for e in live), live
    assert SECRET not in str(live) + str(reports)


async def test_shell_output_shows_live_too(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path
) -> None:
    from tests.e2e.conftest import write_config

    write_config(codex_home, model.base_url, 'approval_policy = "never"\nsandbox_mode = "danger-full-access"')
    model.script(
        Reply([FunctionCall("shell", {"command": ["bash", "-c", SCRIPT]}, "sh1")]), Reply([Text("Done.")])
    )
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "tick"})
    assert result["status"] == "answered", result
    live = _events(editor, "toolOutput")
    assert any(e["callId"] == "sh1" and "tick 1" in str(e["tail"]) for e in live), editor.state.events
    assert any(r.endswith(": tick 1") for r in _reports(editor))
