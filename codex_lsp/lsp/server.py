"""The language server: wires LSP features to the agent engine.

This package is the only one that imports pygls/lsprotocol. Each feature lives
in its own module (`features/`); the per-connection state they share is the
`session.Session` built here.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from codex_lsp import __version__, wire
from codex_lsp.background import BackgroundTasks
from codex_lsp.config.lenient import load_config_keeping_valid
from codex_lsp.lsp.features import code_actions
from codex_lsp.lsp.features import inline_completion as inline
from codex_lsp.lsp.features.command_registry import Command, run_command
from codex_lsp.lsp.features.command_table import commands
from codex_lsp.lsp.features.pending_decisions import pending_actions
from codex_lsp.lsp.rpc.fast_start import inline_completion_requested
from codex_lsp.lsp.rpc.jsonrpc import INTERNAL_ERROR, ChangeListener, CodexProtocol, make_converter
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.client_settings import (
    as_dict,
    codex_section,
    layer_settings,
    workspace_roots,
)
from codex_lsp.lsp.session.editor_capabilities import ClientCapabilities
from codex_lsp.lsp.session.session import Session
from codex_lsp.models.identity import editor_name

log = logging.getLogger(__name__)


class CodexLanguageServer(LanguageServer):
    """The connection: pygls's server holding the session the handlers get."""

    protocol: CodexProtocol

    def __init__(self) -> None:
        super().__init__(
            "codex-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=CodexProtocol,
            converter_factory=make_converter,
        )
        self.init_options: dict[str, Any] = {}
        loaded, _problems = load_config_keeping_valid()  # said at `initialize`
        self.session = Session(
            Client(self.protocol), self._open_documents, loaded, BackgroundTasks()
        )

    # ---- asked by `CodexProtocol` ----------------------------------------------------

    @property
    def change_listener(self) -> ChangeListener:
        """Review findings move with every `didChange`."""
        return self.session.diagnostics

    def offer_inline_completion(self) -> bool:
        """At `initialize`: advertise inline completion only when it is enabled.

        Decided as `fast_start` decides it (options, else `config.toml`), so both
        answers agree even when another init option is invalid.
        """
        completions = self.session.completions
        completions.advertised = inline_completion_requested(self.init_options)
        return completions.advertised

    def _open_documents(self) -> dict[str, TextDocument]:
        if getattr(self.protocol, "_workspace", None) is None:
            return {}
        docs: dict[str, TextDocument] = self.workspace.text_documents
        return docs

    def change_folders(self, event: types.WorkspaceFoldersChangeEvent) -> None:
        """Follow the editor's workspace folders (added ones become writable)."""
        workspace = self.session.agent.workspace
        # Additions first: replacing the only folder must not leave it in place.
        for folder in event.added or []:
            path = to_fs_path(folder.uri)
            if path:
                workspace.add_root(Path(path))
        for folder in event.removed or []:
            path = to_fs_path(folder.uri)
            if path and not workspace.remove_root(Path(path)):
                log.info("kept workspace folder %s (unknown or the last one)", path)
        log.info("workspace folders: %s", ", ".join(map(str, workspace.roots)))

    async def report_mcp_errors(self) -> None:
        """Tell the user about MCP servers that failed to start (the rest keep working)."""
        for error in await self.session.agent.wait_mcp():
            log.warning("%s", error)
            self.session.client.show_message(error, 2)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log internal errors in one line; a client's bad request is logged where answered."""
        if isinstance(error, JsonRpcException) and error.code != INTERNAL_ERROR:
            return
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)


async def probe_sandbox() -> None:
    """Probe bubblewrap once, off the event loop, before anyone asks (cached after)."""
    from codex_lsp.sandbox.bwrap import sandbox_status

    await asyncio.to_thread(sandbox_status)


def _executor(cmd: Command) -> Any:
    """Pygls converts command arguments by annotation; ours structure raw JSON themselves.

    The handler gets the connection's `Session`, not the server.
    """

    async def run(ls, *args):  # type: ignore[no-untyped-def]
        ls.session.reload_if_changed()
        return await run_command(ls.session, cmd, args)

    run.__doc__ = cmd.handler.__doc__
    return run


def create_server() -> CodexLanguageServer:
    """A server with every feature registered."""
    server = CodexLanguageServer()

    @server.feature(types.INITIALIZE)
    def on_initialize(ls: CodexLanguageServer, params: types.InitializeParams) -> None:
        info = params.client_info
        ls.session.initialize(
            _workspace_roots(params) or [Path.cwd()],
            ClientCapabilities.from_lsp(params.capabilities),
            editor_name(info.name, info.version) if info is not None else None,
        )
        ls.init_options = codex_section(as_dict(params.initialization_options))
        ls.session.configure(ls.init_options)

    @server.feature(types.INITIALIZED)
    def on_initialized(ls: CodexLanguageServer, params: types.InitializedParams) -> None:
        ls.session.agent.warm_up()
        ls.session.agent.start_mcp()
        ls.session.background.spawn(ls.report_mcp_errors())
        ls.session.background.spawn(probe_sandbox())

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def on_configuration(
        ls: CodexLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        settings = as_dict(params.settings)
        if settings:
            ls.session.configure(layer_settings(ls.init_options, settings))
            ls.session.background.spawn(_register_inline(ls.session))

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def on_folders(ls: CodexLanguageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.change_folders(params.event)

    _register_document_features(server)
    for name, cmd in commands().items():
        server.command(name)(_executor(cmd))

    @server.feature(types.SHUTDOWN)
    async def on_shutdown(ls: CodexLanguageServer, *args: Any) -> None:
        ls.session.turns.cancel()
        await ls.session.completions.aclose()
        await ls.session.agent.aclose()

    return server


async def _register_inline(session: Session) -> None:
    """Settings may have turned inline completion on: tell the client (if it allows)."""
    error = await inline.register_if_enabled(session)
    if error is not None:
        log.warning("%s", error)


def _workspace_roots(params: types.InitializeParams) -> list[Path]:
    """The folders the client opened (or its root URI/path, from older clients)."""
    folders = params.workspace_folders or []
    return workspace_roots([f.uri for f in folders], params.root_uri, params.root_path)


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
        session, uri, rng = ls.session, params.text_document.uri, params.range
        findings = session.diagnostics.overlapping(uri, rng.start.line, rng.end.line)
        path = session.documents.workspace_path(uri)
        pending = pending_actions(session.pending, path, uri, rng.start.line, rng.end.line)
        return pending + code_actions.code_actions(params, findings)

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def on_inline_completion(
        ls: CodexLanguageServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList | None:
        return await inline.inline_completion(ls.session, params)
