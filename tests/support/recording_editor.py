"""`RecordingEditor`: the editor end of `session.client.Client`, in process, for handler tests.

It stands where `rpc.jsonrpc.CodexProtocol` stands (the `client.Peer` the
`Client` talks through): it records every notification and request the server
sends, and answers requests as an editor would: progress tokens are created,
documents shown, message requests answered from a script (`message_answers`;
none left: dismissed), workspace edits applied to the files on disk. Nothing of
ours is replaced: the session's `Client`, reporters, diagnostics and host run as
they do over stdio.

    editor = RecordingEditor(message_answers=["Apply"])
    session = make_session(tmp_path, editor, model)
    result = await execute(session, wire.EXPLAIN, {...})
    assert editor.events("turnFinished") ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from codex_lsp.background import BackgroundTasks
from codex_lsp.config import load_config
from codex_lsp.lsp.features.command_registry import run_command
from codex_lsp.lsp.features.command_table import commands
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.editor_capabilities import ClientCapabilities
from codex_lsp.lsp.session.session import Session

from .core_harness import TEST_KEY
from .lsp_client import apply_text_edits
from .scripted_model import ScriptedModel


def _path(uri: str) -> Path:
    path = to_fs_path(uri)
    assert path is not None, uri
    return Path(path)


@dataclass
class RecordingEditor:
    """Records what the server sends; answers its requests like a plain editor."""

    message_answers: list[str | None] = field(default_factory=list)
    """Titles picked in `window/showMessageRequest`, in order (None: dismissed)."""
    notifications: list[tuple[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, Any]] = field(default_factory=list)
    cancel_hooks: dict[Any, Callable[[], None]] = field(default_factory=dict)
    progress_cancel_hooks: dict[str | int, Callable[[], None]] = field(default_factory=dict)
    writer: Any = None
    request_id: Any = None
    """The id of the request being handled (what `Client.current_request_id` reads)."""

    @property
    def msg_id(self) -> Any:
        return self.request_id

    async def request(self, method: str, params: Any, timeout: float | None = None) -> Any:
        self.requests.append((method, params))
        if method == "window/showMessageRequest":
            title = self.message_answers.pop(0) if self.message_answers else None
            return None if title is None else {"title": title}
        if method == "window/showDocument":
            return {"success": True}
        if method == "workspace/applyEdit":
            return self._apply(params["edit"])
        return None  # workDoneProgress/create, registerCapability

    def send_raw_notification(self, method: str, params: Any) -> None:
        self.notifications.append((method, params))

    # ---- what was sent -------------------------------------------------------------

    def sent(self, method: str) -> list[Any]:
        """The params of every notification of `method`, in order."""
        return [params for name, params in self.notifications if name == method]

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """`codex/event` payloads (of type `kind`)."""
        return [e for e in self.sent("codex/event") if kind is None or e.get("type") == kind]

    def messages(self) -> list[str]:
        """`window/showMessage` texts."""
        return [params["message"] for params in self.sent("window/showMessage")]

    def published(self, uri: str) -> list[dict[str, Any]]:
        """The diagnostics last published for `uri` (none published: [])."""
        found = [p for p in self.sent("textDocument/publishDiagnostics") if p["uri"] == uri]
        return list(found[-1]["diagnostics"]) if found else []

    def asked(self, method: str) -> list[Any]:
        """The params of every request of `method`, in order."""
        return [params for name, params in self.requests if name == method]

    # ---- applying edits --------------------------------------------------------------

    def _apply(self, edit: dict[str, Any]) -> dict[str, Any]:
        """Apply a WorkspaceEdit's text edits to the files on disk (no buffers are open)."""
        changes = [
            (c["textDocument"]["uri"], c["edits"])
            for c in edit.get("documentChanges", [])
            if "textDocument" in c
        ]
        changes += list((edit.get("changes") or {}).items())
        for uri, edits in changes:
            path = _path(uri)
            path.write_text(apply_text_edits(path.read_text(), edits))
        return {"applied": True}


def make_session(
    tmp_path: Path,
    editor: RecordingEditor,
    model: ScriptedModel,
    open_documents: dict[str, TextDocument] | None = None,
    api_key: str | None = TEST_KEY,
    **caps: Any,
) -> Session:
    """A session on `tmp_path/ws` with the scripted model, as after `initialize`.

    `open_documents` are the editor's buffers by URI (pygls's `TextDocument`s).
    """
    root = tmp_path / "ws"
    root.mkdir(exist_ok=True)
    env = {"OPENAI_API_KEY": api_key} if api_key else {}
    loaded = load_config(home=tmp_path / "home", env=env)
    buffers = open_documents if open_documents is not None else {}
    session = Session(
        Client(editor), lambda: buffers, loaded, BackgroundTasks(), lambda _loaded: model,
        root=root,
    )
    session.initialize([root], ClientCapabilities(**caps), "recording-editor")
    return session


async def execute(session: Session, name: str, *args: Any) -> dict[str, Any]:
    """Run command `name` as `workspace/executeCommand` would: its JSON answer."""
    return await run_command(session, commands()[name], args)
