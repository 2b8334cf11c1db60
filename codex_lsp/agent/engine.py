"""The agent engine: threads, configuration and turns, behind a small API.

Front ends (the LSP server, `codex-lsp exec`) call `Agent.run(spec)` and get a
`TurnResult`; everything they show comes from the host's `emit`. Cancelling
the task that awaits `run` cancels the turn and closes the model stream.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from codex_lsp.agent.instructions import build_instructions
from codex_lsp.agent.protocol import AgentEvent, AgentHost, TurnFinished, TurnStarted
from codex_lsp.agent.tasks import TaskSpec
from codex_lsp.agent.thread import Thread, user_message
from codex_lsp.agent.turn import TurnResult, TurnSettings, run_turn
from codex_lsp.agent.workspace import Workspace
from codex_lsp.approvals import ApprovalPolicy
from codex_lsp.config import LoadedConfig
from codex_lsp.models.base import ModelClient
from codex_lsp.models.factory import create_client
from codex_lsp.tools.base import ToolContext
from codex_lsp.tools.registry import ToolRegistry, default_tools

log = logging.getLogger(__name__)

ClientFactory = Callable[[LoadedConfig], ModelClient]


class Agent:
    """Runs tasks as turns on threads, against the configured model."""

    def __init__(
        self,
        loaded: LoadedConfig,
        workspace: Workspace,
        host: AgentHost,
        client_factory: ClientFactory = create_client,
        tools: ToolRegistry | None = None,
    ) -> None:
        self.loaded = loaded
        self.workspace = workspace
        self.host = host
        self.tools = tools or default_tools()
        self.threads: dict[str, Thread] = {}
        self.current: Thread | None = None
        self._client_factory = client_factory
        self._client: ModelClient | None = None

    # ---- configuration ---------------------------------------------------

    def reconfigure(self, loaded: LoadedConfig) -> None:
        """Use a new configuration from the next turn on (new HTTP client too)."""
        self.loaded = loaded
        old, self._client = self._client, None
        if old is not None:
            import asyncio

            asyncio.ensure_future(old.aclose())

    async def aclose(self) -> None:
        """Close the model client's connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def policy(self) -> ApprovalPolicy:
        """The configured approval policy."""
        return ApprovalPolicy(self.loaded.config.approval_policy)

    # ---- threads ----------------------------------------------------------

    def new_thread(self) -> Thread:
        """Start a fresh conversation and make it current."""
        thread = Thread()
        self.threads[thread.id] = thread
        self.current = thread
        return thread

    def thread(self, thread_id: str | None) -> Thread:
        """The named thread, else the current one, else a new one."""
        if thread_id:
            found = self.threads.get(thread_id)
            if found is None:
                raise KeyError(f"unknown thread {thread_id!r}")
            self.current = found
            return found
        return self.current or self.new_thread()

    # ---- turns ------------------------------------------------------------

    async def run(self, spec: TaskSpec, thread_id: str | None = None) -> TurnResult:
        """Run one task to the end of its turn; see the module docstring."""
        thread = self.thread(thread_id)
        if not thread.title:
            thread.title = spec.title
        await self.host.emit(TurnStarted(thread.id, spec.title))
        result = await self._run(thread, spec)
        await self.host.emit(
            TurnFinished(thread.id, result.status, result.text, result.error, result.changed_files)
        )
        return result

    async def _run(self, thread: Thread, spec: TaskSpec) -> TurnResult:
        missing_key = self.loaded.missing_key_message() if self.loaded.key_required else None
        if self.loaded.api_key is None and missing_key:
            return TurnResult(thread.id, "failed", "", missing_key)
        if self._client is None:
            self._client = self._client_factory(self.loaded)
        cfg = self.loaded.config
        settings = TurnSettings(
            model=cfg.model,
            instructions=build_instructions(
                self.workspace.primary, self.loaded.home, cfg.project_doc_max_bytes
            ),
            max_steps=cfg.max_turn_steps,
            reasoning_effort=cfg.model_reasoning_effort,
        )
        ctx = ToolContext(
            thread_id=thread.id,
            workspace=self.workspace,
            host=self.host,
            policy=self.policy,
            approvals=thread.approvals,
            emit=self._emit,
            config=cfg,
            title=spec.title,
        )
        tools = self.tools if spec.allow_edits else self.tools.read_only()
        thread.add(user_message(spec.prompt))
        return await run_turn(thread, self._client, tools, ctx, settings)

    async def _emit(self, event: AgentEvent) -> None:
        await self.host.emit(event)
