"""A scripted editor for end-to-end tests: pytest-lsp's LanguageClient plus
handlers that record what the server sends and answer approvals as told.

The client keeps plain dicts for custom messages (pygls would otherwise turn
them into namedtuples) and models open buffers so workspace edits can be
applied the way an editor would.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cattrs import Converter
from lsprotocol import converters, types
from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pytest_lsp.protocol import LanguageClientProtocol

REPO = Path(__file__).resolve().parents[2]
MESSAGE_REQUESTS = types.ShowMessageRequestClientCapabilities(
    message_action_item=types.ClientShowMessageActionItemOptions(additional_properties_support=True)
)
"""`window.showMessage`: the editor says it shows `window/showMessageRequest` prompts.

Not announced by default: the server asks every client (Eglot 1.9 answers the request
without announcing it), and `Editor` answers as told in `message_answers`."""


class RawResultProtocol(LanguageClientProtocol):
    """Keep server results as raw JSON: assertions compare exactly what was sent.

    Also keeps the ids of the server's requests and of its `$/cancelRequest`s (a
    request it withdrew), which pygls handles before any feature sees them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_ids: list[tuple[str, Any]] = []
        """(method, id) of every request the server sent, in order."""
        self.cancels: list[Any] = []

    def get_result_type(self, method: str) -> Any:
        return None

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        self.request_ids.append((method_name, msg_id))
        super()._handle_request(msg_id, method_name, params)

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        self.cancels.append(msg_id)
        super()._handle_cancel_notification(msg_id)


def dict_converter() -> Converter:
    conv = converters.get_converter()
    for cls in (JsonRPCRequestMessage, JsonRPCResponseMessage, JsonRPCNotification):
        conv.register_structure_hook(cls, lambda obj, c: c(**obj))
    return conv


def to_json(value: Any) -> Any:
    """Unstructure lsprotocol objects to JSON values (dicts pass through)."""
    if hasattr(value, "__attrs_attrs__"):
        return converters.get_converter().unstructure(value)
    return value


def offset_at(text: str, line: int, character: int) -> int:
    """Offset of an LSP (UTF-16) position; LSP lines end only at \\r\\n, \\r or \\n."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+", text)
    if line >= len(lines):
        return len(text)
    base = sum(len(x) for x in lines[:line])
    units = 0
    for i, ch in enumerate(lines[line]):
        if units >= character:
            return base + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return base + len(lines[line])


def apply_text_edits(text: str, edits: list[dict[str, Any]]) -> str:
    spans = []
    for e in edits:
        s, t = e["range"]["start"], e["range"]["end"]
        spans.append((offset_at(text, s["line"], s["character"]), offset_at(text, t["line"], t["character"]), e["newText"]))
    for start, end, new in sorted(spans, key=lambda x: x[0], reverse=True):
        text = text[:start] + new + text[end:]
    return text


def uri_path(uri: str) -> Path:
    from pygls.uris import to_fs_path

    return Path(to_fs_path(uri) or uri)


@dataclass
class Doc:
    text: str
    version: int
    language: str = "python"


@dataclass
class EditorState:
    apply_edits: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    message_requests: list[dict[str, Any]] = field(default_factory=list)
    approve_edits: list[dict[str, Any]] = field(default_factory=list)
    approve_commands: list[dict[str, Any]] = field(default_factory=list)
    shown_documents: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)
    cancels: list[Any] = field(default_factory=list)
    docs: dict[str, Doc] = field(default_factory=dict)
    diagnostics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The latest `publishDiagnostics` per URI, as sent."""
    diagnostic_updates: int = 0
    diagnostic_versions: dict[str, int | None] = field(default_factory=dict)
    """The `version` of the latest `publishDiagnostics` per URI (None: not sent)."""


class Editor:
    """Drives the real codex-lsp process the way an editor would."""

    def __init__(self, workspace: Path, env: dict[str, str]) -> None:
        self.workspace = workspace
        self.env = env
        self.client = LanguageClient(converter_factory=dict_converter, protocol_cls=RawResultProtocol)
        self.state = EditorState()
        self.message_answers: list[str | None] = []
        """Titles to answer window/showMessageRequest with, in order (default: Reject)."""
        self.approve_answers: list[dict[str, Any]] = []
        """Answers for codex/approveEdit, in order (default: reject)."""
        self.command_answers: list[str] = []
        self.answer_delay = 0.0
        self.apply_result: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.on_approval: Callable[[], Any] | None = None
        self.on_apply: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        """Awaited when workspace/applyEdit arrives, before the edit is applied (races)."""
        self.server_args: list[str] = []
        """Extra command-line arguments for `python -m codex_lsp` (e.g. -v, --log-file)."""
        self._register()
        mine = set(self.client.protocol.fm.features)
        register_lsp_features(
            self.client, {k: v for k, v in DEFAULT_CLIENT_FEATURES.items() if k not in mine}
        )

    # ---- lifecycle ----------------------------------------------------------

    async def start(
        self,
        *,
        codex_approval: bool | dict[str, Any] = False,
        init_options: dict[str, Any] | None = None,
        capabilities: types.ClientCapabilities | None = None,
        more_folders: list[Path] | None = None,
    ) -> dict[str, Any]:
        env = {**os.environ, **self.env}
        env.pop("OPENAI_API_KEY", None) if "OPENAI_API_KEY" not in self.env else None
        await self.client.start_io(
            sys.executable, "-m", "codex_lsp", *self.server_args, env=env, cwd=str(REPO)
        )
        caps = capabilities or types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                apply_edit=True,
                workspace_edit=types.WorkspaceEditClientCapabilities(
                    document_changes=True,
                    resource_operations=[
                        types.ResourceOperationKind.Create,
                        types.ResourceOperationKind.Rename,
                        types.ResourceOperationKind.Delete,
                    ],
                ),
            ),
            window=types.WindowClientCapabilities(
                work_done_progress=True,
                show_document=types.ShowDocumentClientCapabilities(support=True),
            ),
            experimental={"codexApproval": codex_approval} if codex_approval else None,
        )
        result = await self.client.initialize_session(
            types.InitializeParams(
                capabilities=caps,
                client_info=types.ClientInfo(name="test-editor", version="1.2"),
                root_uri=self.workspace.as_uri(),
                workspace_folders=[
                    types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name)
                    for folder in [self.workspace, *(more_folders or [])]
                ],
                initialization_options=init_options,
            )
        )
        return to_json(result)

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_session(), 10)
        except Exception:
            pass
        process = self.client._server
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
        await self.client.stop()

    # ---- documents ---------------------------------------------------------------

    def open(self, rel: str, text: str | None = None, language: str = "python") -> str:
        path = self.workspace / rel
        if text is None:
            text = path.read_text()
        uri = path.as_uri()
        self.state.docs[uri] = Doc(text, 1, language)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
            )
        )
        return uri

    def type_text(self, uri: str, line: int, character: int, text: str) -> None:
        """Insert text as the user typing (an incremental change, new version)."""
        doc = self.state.docs[uri]
        pos = offset_at(doc.text, line, character)
        doc.text = doc.text[:pos] + text + doc.text[pos:]
        doc.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(line, character), types.Position(line, character)),
                        text=text,
                    )
                ],
            )
        )

    def _replace(self, uri: str, text: str) -> None:
        """The buffer changed (an applied edit): tell the server, as editors do."""
        doc = self.state.docs[uri]
        doc.text = text
        doc.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    # ---- requests -----------------------------------------------------------------

    async def command(self, name: str, *args: Any, timeout: float = 30) -> Any:
        result = await asyncio.wait_for(
            self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=name, arguments=list(args))
            ),
            timeout,
        )
        return to_json(result)

    async def code_actions(self, uri: str, start: tuple[int, int], end: tuple[int, int], diagnostics: list[types.Diagnostic] | None = None) -> list[dict[str, Any]]:
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(types.Position(*start), types.Position(*end)),
                context=types.CodeActionContext(diagnostics=diagnostics or []),
            )
        )
        return [to_json(a) for a in result or []]

    async def inline_completion(self, uri: str, line: int, character: int) -> Any:
        """`textDocument/inlineCompletion` at a position; the raw result."""
        result = await self.client.protocol.send_request_async(
            "textDocument/inlineCompletion",
            types.InlineCompletionParams(
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Automatic
                ),
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line, character),
            ),
        )
        return to_json(result)

    # ---- handlers ------------------------------------------------------------------

    def _register(self) -> None:
        client, state = self.client, self.state

        @client.feature("workspace/applyEdit")
        async def apply_edit(params: Any) -> Any:
            params = to_json(params)
            state.apply_edits.append(params)
            if self.on_apply is not None:
                await self.on_apply(params)
            if self.apply_result is not None:
                return self.apply_result(params)
            return self._apply(params["edit"])

        @client.feature("codex/event")
        def on_event(params: Any) -> None:
            state.events.append(params)

        @client.feature("window/showMessageRequest")
        async def message_request(params: Any) -> Any:
            params = to_json(params)
            state.message_requests.append(params)
            if self.on_approval is not None:
                await self.on_approval()
            if self.answer_delay:
                await asyncio.sleep(self.answer_delay)
            title = self.message_answers.pop(0) if self.message_answers else "Reject"
            return None if title is None else {"title": title}

        @client.feature("codex/approveEdit")
        async def approve_edit(params: Any) -> Any:
            state.approve_edits.append(params)
            if self.on_approval is not None:
                await self.on_approval()
            if self.answer_delay:
                await asyncio.sleep(self.answer_delay)
            return self.approve_answers.pop(0) if self.approve_answers else {"decision": "reject"}

        @client.feature("codex/approveCommand")
        async def approve_command(params: Any) -> Any:
            state.approve_commands.append(params)
            return {"decision": self.command_answers.pop(0) if self.command_answers else "reject"}

        @client.feature("window/showDocument")
        def show_document(params: Any) -> Any:
            state.shown_documents.append(to_json(params))
            return {"success": True}

        @client.feature("window/showMessage")
        def show_message(params: Any) -> None:
            state.messages.append(to_json(params))

        @client.feature("$/progress")
        def progress(params: Any) -> None:
            state.progress.append(to_json(params))

        @client.feature("textDocument/publishDiagnostics")
        def publish_diagnostics(params: Any) -> None:
            params = to_json(params)
            state.diagnostics[params["uri"]] = params["diagnostics"]
            state.diagnostic_updates += 1
            state.diagnostic_versions[params["uri"]] = params.get("version")

        @client.feature("window/workDoneProgress/create")
        def create(params: Any) -> None:
            return None

    def _apply(self, edit: dict[str, Any]) -> dict[str, Any]:
        """Apply a WorkspaceEdit like an editor: buffers if open, else files on disk."""
        for change in edit.get("documentChanges", []):
            kind = change.get("kind")
            if kind == "create":
                path = uri_path(change["uri"])
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("")
            elif kind == "delete":
                uri_path(change["uri"]).unlink()
                self.state.docs.pop(change["uri"], None)
            elif kind == "rename":
                old, new = uri_path(change["oldUri"]), uri_path(change["newUri"])
                if change["oldUri"] in self.state.docs:
                    doc = self.state.docs.pop(change["oldUri"])
                    self.state.docs[change["newUri"]] = doc
                    new.write_text(doc.text)
                    old.unlink()
                else:
                    old.rename(new)
            else:
                uri = change["textDocument"]["uri"]
                version = change["textDocument"].get("version")
                doc = self.state.docs.get(uri)
                if doc is not None:
                    if version is not None and version != doc.version:
                        return {"applied": False, "failureReason": f"version {version} != {doc.version}"}
                    self._replace(uri, apply_text_edits(doc.text, change["edits"]))
                else:
                    path = uri_path(uri)
                    path.write_text(apply_text_edits(path.read_text() if path.exists() else "", change["edits"]))
        for uri, edits in (edit.get("changes") or {}).items():
            doc = self.state.docs.get(uri)
            if doc is not None:
                self._replace(uri, apply_text_edits(doc.text, edits))
            else:
                path = uri_path(uri)
                path.write_text(apply_text_edits(path.read_text(), edits))
        return {"applied": True}

    # ---- waiting ---------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise TimeoutError("condition not reached")
            await asyncio.sleep(0.01)

    def text_events(self) -> str:
        return "".join(e.get("delta", "") for e in self.state.events if e.get("type") == "text")
