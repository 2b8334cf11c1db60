"""`exec_command` / `write_stdin` in process: Codex's schemas, truncation, a rejected command,
progress (sessions on real processes: tests/integration/test_exec_command.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex_lsp.tools.base import ToolContext, ToolFailure
from codex_lsp.tools.exec_command import ExecCommandTool, WriteStdinTool, truncate_to_tokens
from codex_lsp.tools.exec_sessions import ExecSessions
from tests.unit.test_shell_support import NO_BWRAP, FakeEditor, make_ctx

FIXTURE = Path(__file__).parents[1] / "fixtures" / "codex-0.169-tools.json"
DIRECT = {"policy": "never", "sandbox_mode": "danger-full-access"}


def _ctx(tmp_path: Path, editor: FakeEditor | None = None, **kw: str) -> ToolContext:
    ctx = make_ctx(tmp_path, editor, **(kw or DIRECT))
    ctx.exec_sessions = ExecSessions()
    return ctx


def test_schemas_are_codex_0169s() -> None:
    recorded = {t.get("name"): t for t in json.loads(FIXTURE.read_text())["gpt-5.5"]}
    for tool in (ExecCommandTool(), WriteStdinTool()):
        assert recorded[tool.name]["parameters"] == tool.parameters
        assert recorded[tool.name]["description"] == tool.description


def test_truncate_keeps_small_text() -> None:
    assert truncate_to_tokens("abc\n", 1) == "abc\n"


async def test_rejected_command_is_not_run(tmp_path: Path) -> None:
    editor = FakeEditor("reject")
    ctx = _ctx(tmp_path, editor, policy="untrusted", sandbox_mode="danger-full-access")
    with pytest.raises(ToolFailure, match="rejected by user"):
        await ExecCommandTool(NO_BWRAP).run(ctx, {"login": False, "cmd": "touch nope"})
    assert not (tmp_path / "nope").exists()


def test_progress_shows_the_command_and_its_exit_code() -> None:
    from codex_lsp.agent.transcript import describe_call, display_output

    assert describe_call("exec_command", {"cmd": "npm run dev"}) == "exec_command npm run dev"
    assert describe_call("write_stdin", {"session_id": 4321}) == "write_stdin 4321"
    done = "Chunk ID: ab12cd\nWall time: 0.1000 seconds\nProcess exited with code 2\nOriginal token count: 1\nOutput:\nx\n"
    running = done.replace("Process exited with code 2", "Process running with session ID 7")
    assert display_output(done)[1] == 2 and display_output(running)[1] is None
