"""The live tail's text: last lines, progress-bar redraws, escapes, long lines, credentials;
and its reports: only while the block runs, at most the newest tail."""

from __future__ import annotations

import asyncio
from pathlib import Path

from codex_lsp.core.protocol import AgentEvent, ToolOutput
from codex_lsp.tools.live_output import LINE_CHARS, live_tail, tail_lines
from tests.unit.test_shell_support import make_ctx


def test_last_non_blank_lines_as_a_terminal_shows_them() -> None:
    data = b"one\n\ntwo\r\n\x1b[32mthree\x1b[0m\nload 10%\rload 55%\rload 90%\n\n"
    assert tail_lines(data) == "two\nthree\nload 90%"
    assert tail_lines(data, 1) == "load 90%"


def test_long_lines_keep_their_end_and_keys_are_masked() -> None:
    line = "x" * (LINE_CHARS + 50) + "END"
    assert tail_lines(line.encode()) == "…" + line[-LINE_CHARS:]
    assert tail_lines(b"key sk-abcdefghijklmnopqrstuv\n") == "key [REDACTED]"
    assert tail_lines("caf\u00e9 \xff".encode("latin-1")) == "caf\ufffd \ufffd"


async def test_reports_only_the_newest_tail_while_running(tmp_path: Path) -> None:
    seen: list[AgentEvent] = []

    async def emit(event: AgentEvent) -> None:
        seen.append(event)

    ctx = make_ctx(tmp_path)
    ctx.emit = emit
    ctx.call_id = "c9"
    async with live_tail(ctx) as tail:
        tail.feed(b"first\n")
        await asyncio.sleep(0.05)
        for n in range(100):  # a flood while the reporter waits: one report of the newest
            tail.feed(f"line {n}\n".encode())
        await asyncio.sleep(0.3)
    tail.feed(b"after the block\n")
    await asyncio.sleep(0.2)
    assert all(isinstance(e, ToolOutput) and e.call_id == "c9" for e in seen)
    tails = [e.tail for e in seen if isinstance(e, ToolOutput)]
    assert tails == ["first", "line 97\nline 98\nline 99"]
