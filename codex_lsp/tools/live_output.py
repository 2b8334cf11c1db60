"""The live tail of a running command, for the user: what a dev server or test run prints.

While `shell`, `exec_command` or `write_stdin` waits on a command, the last lines it
printed go out as `ToolOutput` events (`$/progress` shows the last one, `codex/event`
`toolOutput` the last few), at most `MAX_REPORTS_PER_SEC` a second however fast it
prints: only the newest tail is sent, like streamed text in lsp/progress.py. Output is
decoded leniently, carriage-return redraws (progress bars) keep their last state,
terminal escapes are dropped and credentials masked before anything leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

from codex_lsp.core.protocol import ToolOutput
from codex_lsp.redact import redact
from codex_lsp.tools.base import ToolContext

MAX_REPORTS_PER_SEC = 10
TAIL_BYTES = 4096
"""Bytes of output kept to find the last lines in."""
TAIL_LINES = 3
LINE_CHARS = 200
"""A longer line is cut (from the left: its end is the news)."""

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class LiveTail:
    """The end of a command's output so far; `feed` is called from the pipe's reader."""

    def __init__(self) -> None:
        self._data = bytearray()
        self.changed = asyncio.Event()

    def feed(self, data: bytes) -> None:
        self._data += data
        if len(self._data) > TAIL_BYTES:
            del self._data[: len(self._data) - TAIL_BYTES]
        self.changed.set()

    def text(self) -> str:
        """The last few non-blank lines, as a terminal would show them."""
        return tail_lines(bytes(self._data))


def tail_lines(data: bytes, count: int = TAIL_LINES) -> str:
    """The last `count` non-blank lines of `data`, cleaned for display."""
    text = _ESCAPES.sub("", data.decode("utf-8", "replace"))
    lines = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = _CONTROL.sub("", raw.rsplit("\r", 1)[-1]).rstrip()
        if line.strip():
            lines.append(line if len(line) <= LINE_CHARS else "…" + line[-LINE_CHARS:])
    return redact("\n".join(lines[-count:]))


@contextlib.asynccontextmanager
async def live_tail(ctx: ToolContext) -> AsyncIterator[LiveTail]:
    """A `LiveTail` whose news is reported while the block runs (and not after)."""
    tail = LiveTail()
    reporter = asyncio.create_task(_report(ctx, tail))
    try:
        yield tail
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter


async def _report(ctx: ToolContext, tail: LiveTail) -> None:
    shown = ""
    while True:
        await tail.changed.wait()
        tail.changed.clear()
        text = tail.text()
        if text and text != shown:
            shown = text
            await ctx.emit(ToolOutput(ctx.thread_id, ctx.call_id or None, text))
        await asyncio.sleep(1 / MAX_REPORTS_PER_SEC)
