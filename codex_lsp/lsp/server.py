"""The language server: wires LSP features to the agent engine.

This package is the only one that imports pygls/lsprotocol. Each feature lives
in its own module; this one holds the per-connection state they share.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from codex_lsp import __version__, wire
from codex_lsp.agent.engine import Agent
from codex_lsp.background import BackgroundTasks
from codex_lsp.completion.service import InlineCompletions
from codex_lsp.config import ConfigError, LoadedConfig, load_config
from codex_lsp.core.workspace import Workspace
from codex_lsp.lsp import code_actions, commands, inline
from codex_lsp.lsp.approval_prompt import ApprovalPrompt
from codex_lsp.lsp.auth_commands import AuthUi
from codex_lsp.lsp.client import Client
from codex_lsp.lsp.findings import Findings
from codex_lsp.lsp.host import LspHost
from codex_lsp.lsp.initialize import ClientCapabilities
from codex_lsp.lsp.intel_host import EditorIntel
from codex_lsp.lsp.open_documents import Documents
from codex_lsp.lsp.progress import TurnReporter
from codex_lsp.lsp.protocol import INTERNAL_ERROR, CodexProtocol, make_converter
from codex_lsp.lsp.services import Services
from codex_lsp.lsp.turns import TurnRegistry
from codex_lsp.models.identity import editor_name

log = logging.getLogger(__name__)

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
    """The connection: pygls's server holding the services the handlers get."""

    protocol: CodexProtocol

    def __init__(self) -> None:
        super().__init__(
            "codex-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=CodexProtocol,
            converter_factory=make_converter,
        )
        self.overrides: dict[str, Any] = {}
        self.init_options: dict[str, Any] = {}
        loaded, config_error = load_config_or_defaults(None)
        self.client = Client(self.protocol)
        self.documents = Documents(self._open_documents, lambda: self.agent.workspace)
        reporters: dict[str, TurnReporter] = {}
        prompt = ApprovalPrompt(
            self.client,
            self.documents.relative,
            lambda: float(self.agent.loaded.config.approval_timeout_sec),
        )
        host = LspHost(self.documents, self.client, prompt, reporters)
        self.agent = Agent(loaded, Workspace([Path.cwd()]), host)
        turns = TurnRegistry(self.agent, self.client)
        turns.reporters = reporters
        self.background = BackgroundTasks()
        self.auth_ui = AuthUi(
            self.client,
            self.agent,
            self.background,
            lambda prompt: self.apply_overrides(self.overrides, prompt),
        )
        findings = Findings(self.client, self.documents, lambda: self.agent.store.folder)
        completions = InlineCompletions(lambda: self.agent.loaded, self.agent.model_client)
        self.services = Services(
            self.agent,
            self.documents,
            turns,
            self.client,
            self.auth_ui,
            findings,
            completions,
            config_error,
        )
        self.protocol.change_listener = findings
        self.protocol.offer_inline_completion = self._offer_inline_completion
        turns.on_missing_credentials = self.auth_ui.startup_check

    def _offer_inline_completion(self) -> bool:
        """At `initialize`: advertise inline completion only when it is enabled."""
        completions = self.services.completions
        completions.advertised = completions.enabled
        return completions.advertised

    def _open_documents(self) -> dict[str, TextDocument]:
        if getattr(self.protocol, "_workspace", None) is None:
            return {}
        docs: dict[str, TextDocument] = self.workspace.text_documents
        return docs

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

    # ---- configuration -------------------------------------------------------------

    def apply_overrides(self, overrides: dict[str, Any], prompt: bool = True) -> None:
        """Reload the configuration with client overrides; report problems, keep going.

        With no usable credentials (and `prompt`), offer to sign in (see `AuthUi`).
        """
        self.overrides = overrides
        loaded, config_error = load_config_or_defaults(overrides or None)
        self.services.config_error = config_error
        self.agent.reconfigure(loaded)
        if config_error:
            self.client.show_message(f"codex-lsp configuration error: {config_error}", 1)
        for warning in loaded.warnings:
            log.warning("%s", warning)
        self.auth_ui.watch()
        if prompt:
            self.auth_ui.startup_check()

    async def report_mcp_errors(self) -> None:
        """Tell the user about MCP servers that failed to start (the rest keep working)."""
        for error in await self.agent.wait_mcp():
            log.warning("%s", error)
            self.client.show_message(error, 2)

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
    """Pygls converts command arguments by annotation; ours take raw JSON objects.

    The handler gets the connection's `Services`, not the server.
    """

    async def run(ls, *args):  # type: ignore[no-untyped-def]
        return await handler(ls.services, *args)

    run.__doc__ = handler.__doc__
    return run


def create_server() -> CodexLanguageServer:
    """A server with every feature registered."""
    server = CodexLanguageServer()

    @server.feature(types.INITIALIZE)
    def on_initialize(ls: CodexLanguageServer, params: types.InitializeParams) -> None:
        ls.agent.workspace = Workspace(_workspace_roots(params) or [Path.cwd()])
        ls.client.caps = ClientCapabilities.from_lsp(params.capabilities)
        if ls.client.caps.codex_intel:
            ls.agent.intel.editor = EditorIntel(ls.client)
        info = params.client_info
        ls.agent.editor = editor_name(info.name, info.version) if info is not None else None
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

    _register_document_features(server)
    for name, handler in commands.HANDLERS.items():
        server.command(name)(_raw_arguments(handler))

    @server.feature(types.SHUTDOWN)
    async def on_shutdown(ls: CodexLanguageServer, *args: Any) -> None:
        ls.services.turns.cancel()
        await ls.services.completions.aclose()
        await ls.agent.aclose()

    return server


def _workspace_roots(params: types.InitializeParams) -> list[Path]:
    """The folders the client opened (or its root URI/path, from older clients)."""
    roots: list[Path] = []
    for folder in params.workspace_folders or []:
        path = to_fs_path(folder.uri)
        if path:
            roots.append(Path(path))
    if not roots and (params.root_uri or params.root_path):
        path = to_fs_path(params.root_uri) if params.root_uri else params.root_path
        if path:
            roots.append(Path(path))
    return roots


def _register_document_features(server: CodexLanguageServer) -> None:
    """Code actions (instant) and inline completions (only answered when enabled)."""

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind(k) for k in wire.CODE_ACTION_KINDS],
            resolve_provider=False,
        ),
    )
    def on_code_action(
        ls: CodexLanguageServer, params: types.CodeActionParams
    ) -> list[dict[str, Any]]:
        rng = params.range
        findings = ls.services.findings.overlapping(
            params.text_document.uri, rng.start.line, rng.end.line
        )
        return code_actions.code_actions(params, findings)

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def on_inline_completion(
        ls: CodexLanguageServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList | None:
        return await inline.inline_completion(ls.services, params)
