"""The agent engine: threads, configuration and turns, behind a small API.

Front ends (the LSP server, `codex-lsp exec`) call `Agent.run(spec)` and get a
`TurnResult`; everything they show comes from the host's `emit`. Cancelling
the task that awaits `run` cancels the turn and closes the model stream.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from codex_lsp.agent.attachments import user_message_with_images
from codex_lsp.agent.clients import ClientFactory, ModelClients
from codex_lsp.agent.compact import compact_limit
from codex_lsp.agent.context import turn_extras
from codex_lsp.agent.engine_status import engine_report
from codex_lsp.agent.goal import goal_summary
from codex_lsp.agent.instructions import (
    BASE_INSTRUCTIONS,
    needs_instructions,
    read_instructions_file,
    user_instructions,
)
from codex_lsp.agent.store import ThreadStore, ThreadSummary
from codex_lsp.agent.tasks import TaskSpec, context_message
from codex_lsp.agent.thread import Thread
from codex_lsp.agent.turn import TurnResult, TurnSettings, run_turn
from codex_lsp.agent.undo import UndoRefused, plan_undo
from codex_lsp.approvals import ApprovalPolicy
from codex_lsp.background import BackgroundTasks
from codex_lsp.config import LoadedConfig
from codex_lsp.core.protocol import (
    AgentEvent,
    AgentHost,
    EditProposal,
    RateLimitsUpdate,
    ReviewedEdit,
    Snapshot,
    TurnFinished,
    TurnStarted,
)
from codex_lsp.core.workspace import UnreadableFile, Workspace, snapshot_of
from codex_lsp.intel.backend_choice import IntelSession
from codex_lsp.jsontext import one_line
from codex_lsp.models.base import ModelClient
from codex_lsp.models.factory import create_client
from codex_lsp.models.family import wire_options
from codex_lsp.models.identity import request_headers
from codex_lsp.tools.base import ToolContext
from codex_lsp.tools.exec_sessions import ExecSessions
from codex_lsp.tools.registry import ToolRegistry, default_tools
from codex_lsp.tools.toolsets import tools_for

if TYPE_CHECKING:
    from codex_lsp.mcp import McpManager

log = logging.getLogger(__name__)


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
        self.store = ThreadStore(loaded.home / "sessions")
        self.mcp: McpManager | None = None
        self._mcp_start: asyncio.Future[None] | None = None
        self._background = BackgroundTasks()
        self._clients = ModelClients(client_factory, loaded, self._background)
        self.editor: str | None = None
        """`name/version` of the editor (from LSP `clientInfo`), for the User-Agent."""
        self.rate_limits: dict[str, dict[str, float]] = {}
        """The provider's latest usage-limit windows (see `RateLimitsUpdate`)."""
        self.instruction_problems: list[str] = []
        """AGENTS.md files skipped or cut, each said once (see `on_problem`)."""
        self.on_problem: Callable[[str], None] | None = None
        """Told each new problem with the project's instructions (the server shows it)."""
        self.exec_sessions = ExecSessions()
        """`exec_command` sessions: they outlive turns, not a cancel or a thread switch."""
        self.intel = IntelSession()
        """Language servers' knowledge: diagnostics after edits, `lsp_*` tools."""

    # ---- configuration ---------------------------------------------------

    def reconfigure(self, loaded: LoadedConfig) -> None:
        """Use a new configuration from the next turn on (new HTTP client too).

        Running turns keep the client they started with; it is closed when the
        last of them ends (closing it under them broke their retries).
        """
        mcp_changed = loaded.config.mcp_servers != self.loaded.config.mcp_servers
        self.loaded = loaded
        self._clients.reconfigure(loaded)
        if mcp_changed and self.mcp is not None:
            manager, self.mcp, self._mcp_start = self.mcp, None, None
            self._background.spawn(manager.aclose())
            self.start_mcp()
        if self.intel.servers is not None or loaded.config.lsp_servers:
            for servers in self.intel.configure(loaded.config, self.workspace):
                self._background.spawn(servers.aclose())

    def start_mcp(self) -> None:
        """Start the configured MCP and language servers in the background (turns wait for MCP)."""
        self.intel.configure(self.loaded.config, self.workspace)
        if self.mcp is not None or not self.loaded.config.mcp_servers:
            return
        from codex_lsp.mcp import McpManager  # the SDK costs ~0.4 s to import: only when used

        self.mcp = McpManager(self.loaded.config.mcp_servers, os.environ)
        self._mcp_start = asyncio.ensure_future(self.mcp.start())

    async def wait_mcp(self) -> list[str]:
        """Wait for MCP servers to finish starting; their start-up errors, if any."""
        if self._mcp_start is not None:
            await asyncio.shield(self._mcp_start)
        return self.mcp.errors() if self.mcp is not None else []

    def warm_up(self) -> None:
        """Create the HTTP client ahead of the first turn (see `ModelClients.warm_up`)."""
        if not self._missing_key():
            self._clients.warm_up()

    async def aclose(self) -> None:
        """Close the model client's connections, stop MCP servers and command sessions."""
        await self.exec_sessions.close_all()
        await self._clients.aclose()
        if self.mcp is not None:
            await self.mcp.aclose()
            self.mcp = None
        await self.intel.aclose()

    @property
    def policy(self) -> ApprovalPolicy:
        """The configured approval policy."""
        return ApprovalPolicy(self.loaded.config.approval_policy)

    # ---- threads ----------------------------------------------------------

    def _attach(self, thread: Thread) -> Thread:
        """Keep the thread in memory and persist what it adds from now on."""
        thread.on_add = lambda item: self.store.append_item(thread.id, item)
        thread.on_compact = lambda history: self.store.record_compacted(thread.id, history)
        thread.on_usage = lambda usage: self.store.record_usage(thread.id, usage)
        thread.on_goal = lambda goal: self.store.record_goal(thread.id, goal)
        self.threads[thread.id] = thread
        return thread

    def new_thread(self, make_current: bool = True) -> Thread:
        """Start a fresh conversation (saved under `$CODEX_HOME/sessions/`)."""
        thread = Thread()
        self.store.create(thread, self.workspace.primary)
        self._attach(thread)
        if make_current:
            self._switch_to(thread)
        return thread

    def thread(self, thread_id: str | None) -> Thread:
        """The named thread (loaded from disk if needed), else the current, else a new one.

        Naming a thread does not make it current: a command may run on a side
        thread (`new_thread(make_current=False)`) without taking over the editor's.
        """
        if thread_id:
            return self._loaded(thread_id)
        return self.current or self.new_thread()

    def resume(self, thread_id: str) -> Thread:
        """Load a saved thread and make it current; `KeyError` if there is none."""
        self._switch_to(self._loaded(thread_id))
        assert self.current is not None
        return self.current

    def _switch_to(self, thread: Thread) -> None:
        """Make `thread` current; the sessions the previous one started are killed."""
        previous, self.current = self.current, thread
        if previous is not None and previous is not thread:
            if self.exec_sessions.has_thread(previous.id):
                self._background.spawn(self.exec_sessions.close_thread(previous.id))

    def _loaded(self, thread_id: str) -> Thread:
        """The thread in memory, else loaded from its file; `KeyError` if there is none."""
        if thread_id in self.threads:
            return self.threads[thread_id]
        thread, _cwd, applied = self.store.load(thread_id)
        thread.last_applied = applied
        return self._attach(thread)

    def list_threads(self) -> list[ThreadSummary]:
        """Saved threads of this workspace, newest first."""
        return self.store.list(self.workspace.primary)

    async def undo(self, thread_id: str | None) -> tuple[list[str], str | None]:
        """Revert the thread's last applied turn; (changed files, error)."""
        thread = self.thread(thread_id) if thread_id else self.current
        if thread is None or not thread.last_applied:
            return [], "Nothing to undo: no edits were applied in this thread."

        def current(path: Path) -> Snapshot | None:
            try:
                return snapshot_of(path, self.host.snapshot)
            except UnreadableFile:
                return None

        try:
            files = plan_undo(thread.last_applied, current)
        except UndoRefused as exc:
            return [], str(exc)
        if not files:
            return [], "Nothing to undo: the files are already as they were."
        undo = EditProposal(thread.id, "Undo Codex edit", files)
        outcome = await self.host.apply_edit(ReviewedEdit.unasked(undo))
        if not outcome.applied:
            return [], f"Undo not applied: {outcome.reason}"
        thread.last_applied = []
        self.store.record_applied(thread.id, [])
        return [self.workspace.relative(f.path) for f in files], None

    # ---- turns ------------------------------------------------------------

    async def run(
        self, spec: TaskSpec, thread_id: str | None = None, origin: Path | None = None
    ) -> TurnResult:
        """Run one task to the end of its turn; see the module docstring.

        `origin` is the document the task was started from: its workspace folder
        is the turn's working folder (shell, AGENTS.md, relative paths).
        """
        thread = self.thread(thread_id)
        if not thread.title:
            thread.title = spec.thread_title
            self.store.record_title(thread.id, thread.title)
        await self.host.emit(TurnStarted(thread.id, spec.title))
        try:
            result = await self._run(thread, spec, self.workspace.rooted_at(origin))
        except Exception as exc:  # a bug must still end the turn: TurnFinished, progress end
            log.exception("turn on thread %s failed", thread.id)
            result = TurnResult(thread.id, "failed", "", f"Internal error: {one_line(exc)}")
        await self.host.emit(
            TurnFinished(thread.id, result.status, result.text, result.error, result.changed_files)
        )
        return result

    async def _run(self, thread: Thread, spec: TaskSpec, workspace: Workspace) -> TurnResult:
        missing_key = self._missing_key()
        if missing_key:
            return TurnResult(thread.id, "failed", "", missing_key)
        self.start_mcp()
        if self._mcp_start is not None and not self._mcp_start.done():
            await asyncio.shield(self._mcp_start)
        async with self._clients.for_turn() as client:
            return await self._run_with(thread, spec, client, workspace)

    async def _run_with(
        self, thread: Thread, spec: TaskSpec, client: ModelClient, workspace: Workspace
    ) -> TurnResult:
        cfg = self.loaded.config
        base = None
        if cfg.model_instructions_file:
            try:
                base = read_instructions_file(cfg.model_instructions_file, self.loaded.home)
            except ValueError as exc:
                return TurnResult(thread.id, "failed", "", str(exc))
        context, metadata = turn_extras(self.loaded, workspace, thread.id)
        settings = TurnSettings(
            model=cfg.model,
            instructions=base or BASE_INSTRUCTIONS,
            max_steps=cfg.max_turn_steps,
            wire=wire_options(self.loaded),
            compact_limit=compact_limit(
                cfg.model_auto_compact_token_limit, cfg.model_context_window
            ),
            headers=request_headers(thread.id, self.editor),
            output_schema=spec.output_schema,
            output_schema_name=spec.output_schema_name,
            context=context,
            metadata=metadata,
        )
        ctx = ToolContext(
            thread_id=thread.id,
            workspace=workspace,
            host=self.host,
            policy=self.policy,
            approvals=thread.approvals,
            emit=self._emit,
            config=cfg,
            title=spec.title,
            exec_sessions=self.exec_sessions,
            intel=self.intel.backend(),
            thread=thread,
        )
        tools = tools_for(self.tools, cfg.model, self.loaded.provider.wire_api)
        if not spec.allow_edits:  # questions: the read-only tools, whatever the family
            tools = self.tools
        if self.mcp is not None:
            from codex_lsp.mcp.resources import resource_tools

            tools = tools.with_tools([*self.mcp.tools(), *resource_tools(self.mcp)])
        tools = tools.with_tools(self.intel.tools(cfg))
        if not spec.allow_edits:
            tools = tools.read_only()
        problems: list[str] = []
        guidance = user_instructions(
            workspace.primary, self.loaded.home, cfg.project_doc_max_bytes, problems
        )
        self._say_problems(problems)
        if guidance is not None and needs_instructions(thread.history, guidance):
            thread.add(guidance)
        if spec.context:
            thread.add(context_message(spec.context))
        thread.add(user_message_with_images(spec.prompt, spec.images))
        try:
            result = await run_turn(thread, client, tools, ctx, settings)
        except asyncio.CancelledError:  # the user cancelled: stop what the turn started
            await asyncio.shield(self.exec_sessions.close_thread(thread.id))
            raise
        finally:
            if ctx.applied:  # also when cancelled: what was written can be undone
                thread.last_applied = list(ctx.applied)
                self.store.record_applied(thread.id, thread.last_applied)
        result.changed_files = list(dict.fromkeys(result.changed_files))
        return result

    def model_client(self) -> ModelClient:
        """The shared model client, for one-shot requests between turns (inline completion).

        `ModelError` when there are no credentials.
        """
        from codex_lsp.models.base import ModelError

        missing = self._missing_key()
        if missing:
            raise ModelError(missing)
        return self._clients.shared()

    def _say_problems(self, problems: list[str]) -> None:
        """Log and report each instructions problem the first time it is seen."""
        for problem in problems:
            if problem not in self.instruction_problems:
                self.instruction_problems.append(problem)
                log.warning("AGENTS.md: %s", problem)
                if self.on_problem is not None:
                    self.on_problem(problem)

    def _missing_key(self) -> str | None:
        if self.loaded.blocked:
            return self.loaded.blocked
        if self.loaded.api_key is None and self.loaded.key_required:
            return self.loaded.missing_key_message()
        return None

    async def status(self) -> dict[str, object]:
        """Sandbox and MCP health, for `codex.status`.

        The first sandbox probe runs bwrap (up to seconds): in a worker thread, so
        the event loop keeps answering other requests meanwhile.
        """
        from codex_lsp.sandbox.bwrap import sandbox_status

        return engine_report(
            sandbox=await asyncio.to_thread(sandbox_status),
            mcp_servers=self.mcp.status() if self.mcp is not None else None,
            lsp_servers=self.intel.status(),
            usage=dict(self.current.usage) if self.current is not None else None,
            goal=goal_summary(self.current.goal if self.current is not None else None),
            rate_limits=self.rate_limits,
            exec_sessions=self.exec_sessions.listing(),
        )

    async def _emit(self, event: AgentEvent) -> None:
        if isinstance(event, RateLimitsUpdate):
            self.rate_limits = dict(event.windows)
        await self.host.emit(event)
