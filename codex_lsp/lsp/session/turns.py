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
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.progress import TurnReporter

log = logging.getLogger(__name__)


def failed(message: str, thread_id: str | None = None) -> dict[str, Any]:
    """The `failed` answer every command gives when it cannot do its work."""
    return {"status": "failed", "threadId": thread_id, "error": message}


class TurnRegistry:
    """The turns running on this connection, by thread id."""

    def __init__(self, agent: Agent, client: Client) -> None:
        self._agent = agent
        self._client = client
        self.running: dict[str, asyncio.Future[Any]] = {}
        self.reporters: dict[str, TurnReporter] = {}
        self.on_missing_credentials: Callable[[], None] | None = None
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
    ) -> dict[str, Any]:
        """Run a turn as a cancellable task with progress; return the command result.

        `origin` (the document the command came from) picks the workspace folder.
        """
        try:
            thread = self.thread_for_command(thread_id)
        except KeyError as exc:
            return failed(str(exc.args[0]))
        reporter = TurnReporter(self._client)
        reporter.origin = origin
        self.reporters[thread.id] = reporter
        task = asyncio.ensure_future(self._agent.run(spec, thread.id, origin))
        self.running[thread.id] = task
        msg_id = self._client.current_request_id

        def stop() -> None:
            task.cancel()

        if msg_id is not None:
            self._client.on_request_cancel(msg_id, stop)
        reporter.on_cancel = stop
        try:
            return await self._finish(spec, thread.id, task, reporter)
        finally:
            self.running.pop(thread.id, None)
            self.reporters.pop(thread.id, None)
            if msg_id is not None:
                self._client.on_request_cancel(msg_id, None)

    async def _finish(
        self, spec: TaskSpec, thread_id: str, task: asyncio.Future[Any], reporter: TurnReporter
    ) -> dict[str, Any]:
        try:
            await reporter.begin(spec.title)
            result = await task
            answer: dict[str, Any] = {
                "status": result.status,
                "threadId": result.thread_id,
                "text": result.text,
                "changedFiles": result.changed_files,
            }
            if result.usage is not None:
                answer["usage"] = result.usage
            if result.error:
                answer["error"] = result.error
                if self._agent.loaded.missing_key_message() == result.error:
                    if self.on_missing_credentials is not None:
                        self.on_missing_credentials()
            reporter.end(_end_message(answer))
            return answer
        except asyncio.CancelledError:
            if not task.cancelled():
                task.cancel()
                raise
            await reporter.emit(TurnFinished(thread_id, "cancelled", "", None))
            reporter.end("Cancelled")
            return {"status": "cancelled", "threadId": thread_id, "text": ""}
        except Exception as exc:  # still answer and end the progress (the engine logged it)
            answer = failed(f"Internal error: {one_line(exc)}", thread_id)
            reporter.end(_end_message(answer))
            return answer


def _end_message(answer: dict[str, Any]) -> str:
    status = answer["status"]
    if status == "failed":
        return f"Failed: {answer.get('error', '')}"[:200]
    if status == "applied":
        files: list[str] = answer.get("changedFiles") or []
        return f"Applied: {', '.join(files)}"[:200]
    return str(status).capitalize()
