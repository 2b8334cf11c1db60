"""Agent events -> `$/progress` (begin/report/end) and `codex/event` notifications.

Streamed text is coalesced: at most `MAX_UPDATES_PER_SEC` updates per turn,
so slow clients (Neovim handles ~8k progress messages/s) never fall behind. A running
command's live output (`ToolOutput`, already rate-bounded where it is read) shows as
"▶ <step>: <its last line>".
Sending waits (this turn only) when the client is not reading.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codex_lsp.core.protocol import (
    AgentEvent,
    AgentText,
    Notice,
    PlanUpdate,
    Reasoning,
    TextReset,
    ToolOutput,
    ToolStep,
    TurnFinished,
    TurnStarted,
    WebSearch,
    event_to_dict,
)

if TYPE_CHECKING:
    from codex_lsp.lsp.session.client import Client

MAX_UPDATES_PER_SEC = 20
FLUSH_INTERVAL = 1.0 / MAX_UPDATES_PER_SEC
MAX_PENDING_CHARS = 256 * 1024
"""A flood waits for the next flush slot past this much text: bounded messages, bounded memory."""
PROGRESS_TAIL_CHARS = 200
"""A progress message shows only the end of the streamed text."""
STEP_CHARS, LIVE_LINE_CHARS = 60, 100
"""A live output report's parts are cut to these (the step from the right, the line left)."""
PLAN_MARKS = {"completed": "[x]", "in_progress": "[~]", "pending": "[ ]"}
THINKING = "Thinking…"


class ProgressReporter:
    """One cancellable `$/progress` (begin, reports, end) for a long command."""

    def __init__(self, client: Client, on_cancel: Callable[[], None] | None = None) -> None:
        self.client = client
        self.token: str | int | None = None
        self.on_cancel = on_cancel
        """Run when the user presses the progress's Cancel button."""

    # ---- lifecycle -------------------------------------------------------

    async def begin(self, title: str) -> None:
        """Create the progress token (when the client supports it) and start."""
        if self.token is None and self.client.caps.work_done_progress:
            token = f"codex-{uuid.uuid4().hex[:12]}"
            try:
                await self.client.request(
                    "window/workDoneProgress/create", {"token": token}, timeout=10
                )
                self.token = token
            except Exception:
                self.token = None
        if self.token is not None:
            if self.on_cancel is not None:
                self.client.on_progress_cancel(self.token, self.on_cancel)
            self._progress({"kind": "begin", "title": title, "cancellable": True})

    def end(self, message: str) -> None:
        """Close the progress."""
        if self.token is not None:
            self.client.on_progress_cancel(self.token, None)
            self._progress({"kind": "end", "message": message})
            self.token = None

    def report(self, message: str) -> None:
        """A progress message (e.g. while waiting for a sign-in or a decision)."""
        if self.token is not None:
            self._progress({"kind": "report", "message": message})

    def _progress(self, value: dict[str, Any]) -> None:
        self.client.notify("$/progress", {"token": self.token, "value": value})


class TurnReporter(ProgressReporter):
    """Reports one turn: its progress and its events, streamed text coalesced."""

    def __init__(
        self,
        client: Client,
        on_cancel: Callable[[], None] | None = None,
        origin: Path | None = None,
    ) -> None:
        super().__init__(client, on_cancel)
        self._pending: list[str] = []
        self._pending_chars = 0
        self._text_tail = ""
        self._last_flush = 0.0
        self._flush_handle: asyncio.TimerHandle | None = None
        self._thread_id = ""
        self._since_yield = 0
        self._thinking = False
        """A "Thinking…" report is showing: later reasoning deltas need no new one."""
        self._running: dict[str, str] = {}
        """Running tool steps' details by call id (a live output report names its step)."""
        self.origin = origin
        """The document the turn started from (a waiting command's actions are offered there)."""

    def end(self, message: str) -> None:
        """Close the progress (flushes pending text first)."""
        self._flush()
        super().end(message)

    # ---- events -------------------------------------------------------------

    async def emit(self, event: AgentEvent) -> None:
        """Forward an event, coalescing text; wait if the client is behind."""
        self._thread_id = event.thread_id
        if isinstance(event, AgentText):
            self._pending.append(event.delta)
            self._pending_chars += len(event.delta)
            now = time.monotonic()
            if self._pending_chars >= MAX_PENDING_CHARS:
                # Throttle the producer (and so the model stream) instead of
                # building an ever larger message.
                await asyncio.sleep(max(0.0, FLUSH_INTERVAL - (now - self._last_flush)))
                self._flush()
            elif now - self._last_flush >= FLUSH_INTERVAL:
                self._flush()
            elif self._flush_handle is None:
                loop = asyncio.get_running_loop()
                self._flush_handle = loop.call_later(FLUSH_INTERVAL, self._flush)
            self._since_yield += 1
            if self._since_yield >= 256:
                # A fast stream may never suspend; let cancel and requests in.
                self._since_yield = 0
                await asyncio.sleep(0)
        elif isinstance(event, ToolOutput):  # already at a bounded rate (tools/live_output)
            self._flush()
            self.client.send_event(event_to_dict(event))
            self._report(_live_line(self._running.get(event.call_id or "", ""), event.tail))
        elif isinstance(event, Reasoning):
            self._flush()
            self.client.send_event(event_to_dict(event))
            if not self._thinking:
                self._thinking = True
                self._report(THINKING)
        else:
            self._flush()
            if isinstance(event, TextReset):
                self._text_tail = ""
            if isinstance(event, ToolStep) and event.call_id:
                if event.phase == "begin":
                    self._running[event.call_id] = event.detail
                else:
                    self._running.pop(event.call_id, None)
            self.client.send_event(event_to_dict(event))
            message = _progress_message(event)
            if message and not isinstance(event, TurnStarted | TurnFinished):
                self._report(message)
        await self.client.wait_writable()

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._pending_chars = 0
        self._last_flush = time.monotonic()
        self.client.send_event({"type": "text", "threadId": self._thread_id, "delta": text})
        self._text_tail = (self._text_tail + text)[-PROGRESS_TAIL_CHARS:]
        self._report(" ".join(self._text_tail.split())[-120:])

    def report(self, message: str) -> None:
        """A progress message of the caller's own (e.g. while waiting for a decision)."""
        self._report(message)

    def _report(self, message: str) -> None:
        self._thinking = message == THINKING
        super().report(message)


def _live_line(step: str, tail: str) -> str:
    """`▶ <step>: <the last line the command printed>`."""
    step = step if len(step) <= STEP_CHARS else step[: STEP_CHARS - 1] + "…"
    lines = tail.splitlines() or [""]
    line = lines[-1] if len(lines[-1]) <= LIVE_LINE_CHARS else "…" + lines[-1][-LIVE_LINE_CHARS:]
    return f"▶ {step}: {line}" if step else f"▶ {line}"


def _progress_message(event: AgentEvent) -> str | None:
    if isinstance(event, ToolStep):
        mark = "▶" if event.phase == "begin" else ("✓" if event.ok else "✗")
        return f"{mark} {event.detail}"
    if isinstance(event, WebSearch):
        return f"{'▶' if event.phase == 'begin' else '✓'} {event.detail}"
    if isinstance(event, PlanUpdate):
        steps = "; ".join(f"{PLAN_MARKS.get(s['status'], '[ ]')} {s['step']}" for s in event.plan)
        return f"Plan: {steps}"
    if isinstance(event, Notice):
        return event.message
    return None
