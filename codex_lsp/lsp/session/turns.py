"""Running turns: one per thread at most, each cancellable and reporting progress.

The command handlers start turns here; the agent's host finds a turn's reporter
here. Every way to cancel (`$/cancelRequest`, the progress Cancel button,
`codex.cancel`, shutdown) ends up cancelling the same task.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codex_lsp.agent.engine import Agent
from codex_lsp.agent.tasks import TaskSpec
from codex_lsp.agent.thread import Thread
from codex_lsp.core.protocol import TurnFinished
from codex_lsp.jsontext import one_line
from codex_lsp.lsp.features.command_results import CommandResult, TurnAnswer, failed
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.progress import TurnReporter

log = logging.getLogger(__name__)


class TurnRegistry:
    """The turns running on this connection, by thread id."""

    def __init__(
        self,
        agent: Agent,
        client: Client,
        reporters: dict[str, TurnReporter],
        on_missing_credentials: Callable[[], None],
    ) -> None:
        self._agent = agent
        self._client = client
        self.running: dict[str, asyncio.Future[Any]] = {}
        self.reporters = reporters
        """The running turns' reporters (shared with `LspHost`, which reports through them)."""
        self._on_missing_credentials = on_missing_credentials
        """Called when a turn failed for want of credentials (to offer a sign-in)."""

    def busy(self, thread_id: str | None) -> bool:
        """Whether a turn runs on `thread_id`."""
        return thread_id is not None and thread_id in self.running

    def thread_for_command(self, thread_id: str | None) -> Thread:
        """The thread a command runs on; a busy current thread gets a fresh one."""
        agent = self._agent
        if thread_id:
            if thread_id in self.running:
                raise KeyError(f"thread {thread_id} is busy with another turn")
            return agent.thread(thread_id)
        current = agent.current
        if current is not None and current.id not in self.running:
            return current
        if current is None:
            return agent.new_thread()
        return agent.new_thread(make_current=False)

    def cancel(self, thread_id: str | None = None) -> list[str]:
        """Cancel that thread's turn, or every running turn; the threads cancelled."""
        targets = [t for t in self.running if thread_id in (None, t)]
        for target in targets:
            self.running[target].cancel()
        return targets

    async def run(
        self, spec: TaskSpec, thread_id: str | None = None, origin: Path | None = None
    ) -> CommandResult:
        """Run a turn as a cancellable task with progress; return the command result.

        `origin` (the document the command came from) picks the workspace folder.
        """
        try:
            thread = self.thread_for_command(thread_id)
        except KeyError as exc:
            return failed(str(exc.args[0]))
        task = asyncio.ensure_future(self._agent.run(spec, thread.id, origin))

        def stop() -> None:
            task.cancel()

        reporter = TurnReporter(self._client, on_cancel=stop, origin=origin)
        self.reporters[thread.id] = reporter
        self.running[thread.id] = task
        msg_id = self._client.current_request_id
        if msg_id is not None:
            self._client.on_request_cancel(msg_id, stop)
        try:
            return await self._finish(spec, thread.id, task, reporter)
        finally:
            self.running.pop(thread.id, None)
            self.reporters.pop(thread.id, None)
            if msg_id is not None:
                self._client.on_request_cancel(msg_id, None)

    async def _finish(
        self, spec: TaskSpec, thread_id: str, task: asyncio.Future[Any], reporter: TurnReporter
    ) -> CommandResult:
        try:
            await reporter.begin(spec.title)
            result = await task
            answer = TurnAnswer(
                status=result.status,
                thread_id=result.thread_id,
                text=result.text,
                changed_files=result.changed_files,
            )
            if result.usage is not None:
                answer.usage = result.usage
            if result.error:
                answer.error = result.error
                if self._agent.loaded.missing_key_message() == result.error:
                    self._on_missing_credentials()
            reporter.end(_end_message(answer))
            return answer
        except asyncio.CancelledError:
            if not task.cancelled():
                task.cancel()
                raise
            await reporter.emit(TurnFinished(thread_id, "cancelled", "", None))
            reporter.end("Cancelled")
            return TurnAnswer(status="cancelled", thread_id=thread_id, text="")
        except Exception as exc:  # still answer and end the progress (the engine logged it)
            failure = failed(f"Internal error: {one_line(exc)}", thread_id)
            reporter.end(_end_message(failure))
            return failure


def _end_message(answer: CommandResult) -> str:
    """The progress's last message: what the turn came to."""
    if answer.status == "failed":
        return f"Failed: {answer.error if isinstance(answer.error, str) else ''}"[:200]
    if answer.status == "applied" and isinstance(answer, TurnAnswer):
        files = answer.changed_files if isinstance(answer.changed_files, list) else []
        return f"Applied: {', '.join(files)}"[:200]
    return str(answer.status).capitalize()
