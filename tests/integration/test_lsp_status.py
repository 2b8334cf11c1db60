"""`codex.status` over an in-process session: it probes the real sandbox (runs bwrap)."""

from __future__ import annotations

from pathlib import Path

from codex_lsp import wire
from tests.support.recording_editor import execute
from tests.unit.test_lsp_commands import _session


async def test_status_reports_the_session(tmp_path: Path) -> None:
    session, _, _, _ = _session(tmp_path)
    result = await execute(session, wire.STATUS, "ignored")
    assert result["status"] == "answered" and result["running"] == []
    for key in ("version", "config", "configError", "auth", "sandbox", "mcpServers",
                "findings", "pendingChanges", "pendingCommands", "inlineCompletion", "uptimeSec"):
        assert key in result, key
    assert result["auth"]["authMode"] == "apikey"


