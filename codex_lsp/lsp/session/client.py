"""The editor at the other end: what the server may ask of it and tell it.

Features get this narrow object instead of the whole language server: it sends
requests and notifications through our protocol (`CodexProtocol`: real
cancellation, raw dicts), knows the capabilities the client announced (resolved
once at `initialize`) and shows files and answers. Nothing here knows about the
agent.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from codex_lsp import wire
from codex_lsp.lsp.session.editor_capabilities import ClientCapabilities

log = logging.getLogger(__name__)


ANSWER_LINES = 12
"""Lines of an answer shown in a message when the editor cannot open the document."""


def first_lines(text: str, count: int = ANSWER_LINES) -> str:
    """The start of an answer for a message box, marked when cut."""
    lines = text.strip().splitlines()
    head = "\n".join(lines[:count])
    return head + ("\n…" if len(lines) > count else "")


class Peer(Protocol):
    """The JSON-RPC end `Client` talks through (`rpc.jsonrpc.CodexProtocol`)."""

    @property
    def msg_id(self) -> Any:
        """The id of the request being handled (None for notifications)."""

    cancel_hooks: dict[Any, Callable[[], None]]
    progress_cancel_hooks: dict[str | int, Callable[[], None]]
    writer: Any

    async def request(self, method: str, params: Any, timeout: float | None = None) -> Any:
        """A request to the client; `RequestAbandoned` when unanswered in `timeout`."""

    def send_raw_notification(self, method: str, params: Any) -> None:
        """A notification, sent as the raw JSON given."""


class Client:
    """Requests, notifications and capabilities of the connected editor."""

    def __init__(self, protocol: Peer) -> None:
        self._protocol = protocol
        self.caps = ClientCapabilities()
        """Resolved once at `initialize`; nothing is assumed before that."""
        self.refused: set[str] = set()
        """Server->client requests this client refused (e.g. MethodNotFound): not sent
        again this session, the caller's fallback is used at once."""
        self._errors_shown: list[str] = []
        """The last few error messages shown, so one failure is not said twice."""

    # ---- messages ---------------------------------------------------------------

    async def request(self, method: str, params: Any, timeout: float) -> Any:
        """A request to the client; `RequestAbandoned` when unanswered in `timeout`."""
        return await self._protocol.request(method, params, timeout=timeout)

    def notify(self, method: str, params: Any) -> None:
        """A notification, sent as the raw JSON given."""
        self._protocol.send_raw_notification(method, params)

    def send_event(self, payload: dict[str, Any]) -> None:
        """A `codex/event` notification for chat-style UIs."""
        self.notify(wire.EVENT, payload)

    def show_message(self, message: str, kind: int = 3) -> None:
        """`window/showMessage` (1 error, 2 warning, 3 info)."""
        if kind == 1:
            self._errors_shown = [*self._errors_shown[-4:], message]
        self.notify("window/showMessage", {"type": kind, "message": message})

    def recently_shown(self, text: str) -> bool:
        """Whether one of the last error messages already said `text`."""
        return any(text in shown for shown in self._errors_shown)

    async def wait_writable(self) -> None:
        """Let a producer wait while the client is not reading."""
        wait = getattr(self._protocol.writer, "wait_writable", None)
        if wait is not None:
            await wait()

    # ---- cancellation -----------------------------------------------------------

    @property
    def current_request_id(self) -> Any:
        """The id of the request being handled (None for notifications)."""
        return self._protocol.msg_id

    def on_request_cancel(self, msg_id: Any, hook: Callable[[], None] | None) -> None:
        """Run `hook` on `$/cancelRequest` for `msg_id` (None: forget it)."""
        if hook is None:
            self._protocol.cancel_hooks.pop(msg_id, None)
        else:
            self._protocol.cancel_hooks[msg_id] = hook

    def on_progress_cancel(self, token: str | int, hook: Callable[[], None] | None) -> None:
        """Run `hook` when the user cancels progress `token` (None: forget it)."""
        if hook is None:
            self._protocol.progress_cancel_hooks.pop(token, None)
        else:
            self._protocol.progress_cancel_hooks[token] = hook

    # ---- showing files -------------------------------------------------------------

    @property
    def cache_dir(self) -> Path:
        """Where diffs and answers shown to the user are written."""
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "codex-lsp"

    def write_file(self, folder: str, name: str, text: str) -> Path:
        """Write `text` to a new file under the cache folder (never the workspace)."""
        directory = self.cache_dir / folder
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{int(time.time() * 1000)}-{name}"
        path.write_text(text, encoding="utf-8")
        return path

    async def show_file(self, folder: str, name: str, text: str) -> tuple[Path, bool]:
        """Write `text` under the cache folder and ask the editor to open it.

        Returns the file and whether the editor showed it; the file is kept either way.
        """
        path = self.write_file(folder, name, text)
        try:
            params = {"uri": path.as_uri(), "takeFocus": True}
            await self.request("window/showDocument", params, timeout=30)
        except Exception as exc:
            log.warning("showDocument failed: %s", exc)
            return path, False
        return path, True

    async def show_answer(self, thread_id: str, text: str) -> str | None:
        """Show an answer: a Markdown document if the client can open one, else a message.

        The document is a file in the cache folder (LSP cannot open an untitled
        buffer); the message gives the first lines and where the whole answer is.
        Returns the document's URI when the editor opened it.
        """
        try:
            if self.caps.show_document:
                path, shown = await self.show_file("answers", f"{thread_id}.md", text)
                if shown:
                    return path.as_uri()
            else:
                path = self.write_file("answers", f"{thread_id}.md", text)
        except OSError as exc:
            log.warning("could not write the answer to %s: %s", self.cache_dir, exc)
            self.show_message(first_lines(text))
            return None
        self.show_message(f"{first_lines(text)}\n(Whole answer: {path})")
        return None
