"""The language server: wires LSP features to the agent engine.

This package is the only one that imports pygls/lsprotocol. Each feature lives
in its own module; this one holds the per-connection state they share.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from codex_lsp import __version__, wire
from codex_lsp.agent.engine import Agent
from codex_lsp.agent.thread import Thread
from codex_lsp.background import BackgroundTasks
from codex_lsp.config import ConfigError, LoadedConfig, load_config
from codex_lsp.core.protocol import AgentEvent, event_to_dict
from codex_lsp.core.workspace import UnreadableFile, Workspace, snapshot_of
from codex_lsp.lsp import code_actions, commands
from codex_lsp.lsp.initialize import ClientCapabilities
from codex_lsp.lsp.progress import TurnReporter
from codex_lsp.lsp.protocol import INTERNAL_ERROR, CodexProtocol, make_converter
from codex_lsp.lsp.workspace_edits import ClientEditSupport

log = logging.getLogger(__name__)

LANGUAGE_BY_SUFFIX = {
    ".py": "python",
    ".ts": "typescript",
    ".js": "javascript",
    ".lua": "lua",
    ".rs": "rust",
    ".go": "go",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".md": "markdown",
    ".sh": "bash",
    ".rb": "ruby",
    ".toml": "toml",
    ".json": "json",
    ".yaml": "yaml",
}


def load_config_or_defaults(overrides: dict[str, Any] | None) -> tuple[LoadedConfig, str | None]:
    """Load the config; on error keep going with what still loads, and say why."""
    try:
        return load_config(overrides=overrides), None
    except ConfigError as exc:
        error = str(exc)
    try:
        return load_config(overrides=None), error
    except ConfigError:
        return load_config(home=Path(os.devnull) / "codex-lsp-defaults"), error


class CodexLanguageServer(LanguageServer):
    """Per-connection state: the agent, running turns, client capabilities."""

    protocol: CodexProtocol

    def __init__(self) -> None:
        super().__init__(
            "codex-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=CodexProtocol,
            converter_factory=make_converter,
        )
        self.started = time.monotonic()
        self.overrides: dict[str, Any] = {}
        self.init_options: dict[str, Any] = {}
        loaded, self.config_error = load_config_or_defaults(None)
        from codex_lsp.lsp.host import LspHost

        self.host = LspHost(self)
        self.agent = Agent(loaded, Workspace([Path.cwd()]), self.host)
        self.running: dict[str, asyncio.Future[Any]] = {}
        self.reporters: dict[str, TurnReporter] = {}
        self.background = BackgroundTasks()
        self.caps = ClientCapabilities()
        """Resolved once at `initialize`; nothing is assumed before that."""
        from codex_lsp.lsp.auth_commands import AuthUi

        self.auth_ui = AuthUi(self)

    # ---- client capabilities -------------------------------------------------

    @property
    def supports_work_done_progress(self) -> bool:
        """`window.workDoneProgress`."""
        return self.caps.work_done_progress

    @property
    def supports_show_document(self) -> bool:
        """`window.showDocument.support`."""
        return self.caps.show_document

    @property
    def supports_codex_approval(self) -> bool:
        """`experimental.codexApproval = true`: the client shows real diffs."""
        return self.caps.codex_approval

    @property
    def edit_support(self) -> ClientEditSupport:
        """What `workspace/applyEdit` may carry for this client."""
        return self.caps.edits

    @property
    def approval_timeout(self) -> float:
        """Seconds before an unanswered approval counts as rejected."""
        return float(self.agent.loaded.config.approval_timeout_sec)

    @property
    def cache_dir(self) -> Path:
        """Where diffs and answers shown to the user are written."""
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "codex-lsp"

    # ---- documents ------------------------------------------------------------

    def path_of(self, uri: str) -> Path:
        """File system path of a `file:` URI."""
        path = to_fs_path(uri)
        if path is None:
            raise commands.BadArguments(f"not a file URI: {uri}")
        return Path(path)

    def origin_of(self, arg: dict[str, Any]) -> Path | None:
        """The document a command was started from (`uri`), if it names a file."""
        uri = arg.get("uri")
        path = to_fs_path(uri) if isinstance(uri, str) and uri.startswith("file:") else None
        return Path(path) if path else None

    def change_folders(self, event: types.WorkspaceFoldersChangeEvent) -> None:
        """Follow the editor's workspace folders (added ones become writable)."""
        workspace = self.agent.workspace
        for folder in event.removed or []:
            path = to_fs_path(folder.uri)
            if path and not workspace.remove_root(Path(path)):
                log.info("kept workspace folder %s (unknown or the last one)", path)
        for folder in event.added or []:
            path = to_fs_path(folder.uri)
            if path:
                workspace.add_root(Path(path))
        log.info("workspace folders: %s", ", ".join(map(str, workspace.roots)))

    def open_document(self, path: Path) -> TextDocument | None:
        """The editor's document for `path`, only if the client has it open."""
        uri = from_fs_path(str(path))
        docs: dict[str, TextDocument] = (
            self.workspace.text_documents if self._has_workspace() else {}
        )
        doc = docs.get(uri) if uri else None
        if doc is None and uri:
            for candidate in docs.values():
                if candidate.path and os.path.realpath(candidate.path) == str(path):
                    return candidate
        return doc

    def _has_workspace(self) -> bool:
        return getattr(self.protocol, "_workspace", None) is not None

    def document_text(self, path: Path) -> str:
        """Buffer text if open, else the file on disk (clear error if unusable)."""
        try:
            return snapshot_of(path, self.host.snapshot).text
        except UnreadableFile as exc:
            raise commands.BadArguments(str(exc)) from exc

    def language_id(self, path: Path) -> str:
        """The document's language id, for fenced code in prompts."""
        doc = self.open_document(path)
        if doc is not None and doc.language_id:
            return doc.language_id
        return LANGUAGE_BY_SUFFIX.get(path.suffix, "")

    def relative(self, path: Path) -> str:
        """Workspace-relative path for display."""
        return self.agent.workspace.relative(path)

    # ---- events, threads ------------------------------------------------------

    def send_event(self, payload: dict[str, Any]) -> None:
        """A `codex/event` notification for chat-style UIs."""
        self.protocol.send_raw_notification(wire.EVENT, payload)

    def send_event_obj(self, event: AgentEvent) -> None:
        """Send an agent event that no running command reports."""
        self.send_event(event_to_dict(event))

    async def wait_writable(self) -> None:
        """Let a producer wait while the client is not reading."""
        writer = self.protocol.writer
        wait = getattr(writer, "wait_writable", None)
        if wait is not None:
            await wait()

    def new_reporter(self, thread_id: str) -> TurnReporter:
        """A progress reporter for a turn on `thread_id`."""
        reporter = TurnReporter(self)
        self.reporters[thread_id] = reporter
        return reporter

    def thread_for_command(self, thread_id: str | None) -> Thread:
        """The thread a command runs on; a busy current thread gets a fresh one."""
        if thread_id:
            if thread_id in self.running:
                raise KeyError(f"thread {thread_id} is busy with another turn")
            return self.agent.thread(thread_id)
        current = self.agent.current
        if current is not None and current.id not in self.running:
            return current
        if current is None:
            return self.agent.new_thread()
        return self.agent.new_thread(make_current=False)

    async def show_file(self, folder: str, name: str, text: str) -> tuple[Path, bool]:
        """Write `text` under the cache folder and ask the editor to open it.

        Returns the file and whether the editor showed it; the file is kept either way.
        """
        directory = self.cache_dir / folder
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{int(time.time() * 1000)}-{name}"
        path.write_text(text, encoding="utf-8")
        try:
            params = {"uri": path.as_uri(), "takeFocus": True}
            await self.protocol.request("window/showDocument", params, timeout=30)
        except Exception as exc:
            log.warning("showDocument failed: %s", exc)
            return path, False
        return path, True

    async def show_answer(self, thread_id: str, text: str) -> str | None:
        """Show an answer: a Markdown document if the client can open one, else a message."""
        if self.supports_show_document:
            path, shown = await self.show_file("answers", f"{thread_id}.md", text)
            if shown:
                return path.as_uri()
        self.show_message(text)
        return None

    # ---- configuration -------------------------------------------------------------

    def apply_overrides(self, overrides: dict[str, Any], prompt: bool = True) -> None:
        """Reload the configuration with client overrides; report problems, keep going.

        With no usable credentials (and `prompt`), offer to sign in (see `AuthUi`).
        """
        self.overrides = overrides
        loaded, self.config_error = load_config_or_defaults(overrides or None)
        self.agent.reconfigure(loaded)
        if self.config_error:
            self.show_message(f"codex-lsp configuration error: {self.config_error}", 1)
        for warning in loaded.warnings:
            log.warning("%s", warning)
        self.auth_ui.watch()
        if prompt:
            self.auth_ui.startup_check()

    async def report_mcp_errors(self) -> None:
        """Tell the user about MCP servers that failed to start (the rest keep working)."""
        for error in await self.agent.wait_mcp():
            log.warning("%s", error)
            self.show_message(error, 2)

    def show_message(self, message: str, kind: int = 3) -> None:
        """`window/showMessage` (1 error, 2 warning, 3 info)."""
        self.protocol.send_raw_notification(
            "window/showMessage", {"type": kind, "message": message}
        )

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log internal errors in one line; a client's bad request is logged where answered."""
        if isinstance(error, JsonRpcException) and error.code != INTERNAL_ERROR:
            return
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)


async def probe_sandbox() -> None:
    """Probe bubblewrap once, off the event loop, before anyone asks (cached after)."""
    from codex_lsp.sandbox import sandbox_status

    await asyncio.to_thread(sandbox_status)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _codex_section(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings may come whole or under a `codex` key (VS Code style sections)."""
    section = settings.get("codex")
    return dict(section) if isinstance(section, dict) else dict(settings)


def layer_settings(init_options: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """DidChangeConfiguration settings over the initializationOptions; null removes a key."""
    merged = dict(init_options)
    for key, value in _codex_section(settings).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _raw_arguments(handler: Any) -> Any:
    """Pygls converts command arguments by annotation; ours take raw JSON objects."""

    async def run(ls, *args):  # type: ignore[no-untyped-def]
        return await handler(ls, *args)

    run.__doc__ = handler.__doc__
    return run


def create_server() -> CodexLanguageServer:
    """A server with every feature registered."""
    server = CodexLanguageServer()

    @server.feature(types.INITIALIZE)
    def on_initialize(ls: CodexLanguageServer, params: types.InitializeParams) -> None:
        roots: list[Path] = []
        for folder in params.workspace_folders or []:
            path = to_fs_path(folder.uri)
            if path:
                roots.append(Path(path))
        if not roots and (params.root_uri or params.root_path):
            path = to_fs_path(params.root_uri) if params.root_uri else params.root_path
            if path:
                roots.append(Path(path))
        ls.agent.workspace = Workspace(roots or [Path.cwd()])
        ls.caps = ClientCapabilities.from_lsp(params.capabilities)
        ls.init_options = _codex_section(_as_dict(params.initialization_options))
        ls.apply_overrides(ls.init_options)

    @server.feature(types.INITIALIZED)
    def on_initialized(ls: CodexLanguageServer, params: types.InitializedParams) -> None:
        ls.agent.warm_up()
        ls.agent.start_mcp()
        ls.background.spawn(ls.report_mcp_errors())
        ls.background.spawn(probe_sandbox())

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def on_configuration(
        ls: CodexLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        settings = _as_dict(params.settings)
        if settings:
            ls.apply_overrides(layer_settings(ls.init_options, settings))

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def on_folders(ls: CodexLanguageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.change_folders(params.event)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind(k) for k in wire.CODE_ACTION_KINDS],
            resolve_provider=False,
        ),
    )
    def on_code_action(
        ls: CodexLanguageServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        return code_actions.code_actions(params)

    for name, handler in commands.HANDLERS.items():
        server.command(name)(_raw_arguments(handler))

    @server.feature(types.SHUTDOWN)
    async def on_shutdown(ls: CodexLanguageServer, *args: Any) -> None:
        for task in list(ls.running.values()):
            task.cancel()
        await ls.agent.aclose()

    return server
