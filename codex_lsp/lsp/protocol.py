"""pygls protocol tuned for an agent server.

- Custom messages keep plain dicts (pygls's default turns them into namedtuples).
- `$/cancelRequest` and progress cancel really stop our command tasks.
- Late answers to requests we gave up on are dropped quietly, and we tell the
  client with `$/cancelRequest` when we abandon one of our own requests.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any
from urllib.parse import unquote

from cattrs import Converter
from lsprotocol import converters, types
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    LanguageServerProtocol,
    lsp_method,
)
from pygls.protocol.json_rpc import MsgId

log = logging.getLogger(__name__)


class RequestAbandoned(Exception):
    """A request to the client timed out or was withdrawn."""


def make_converter() -> Converter:
    """Lsprotocol's converter, with custom messages kept as plain JSON values."""
    conv = converters.get_converter()
    for cls in (JsonRPCRequestMessage, JsonRPCResponseMessage, JsonRPCNotification):
        conv.register_structure_hook(cls, lambda obj, c: c(**obj))
    return conv


class CodexProtocol(LanguageServerProtocol):
    """LanguageServerProtocol with real cancellation and raw-dict messaging."""

    def __init__(self, server: Any, converter: Converter) -> None:
        super().__init__(server, converter)
        self.cancel_hooks: dict[MsgId, Callable[[], None]] = {}
        """Request id -> how to really stop the work behind it."""
        self.progress_cancel_hooks: dict[str | int, Callable[[], None]] = {}
        """Progress token -> how to stop the work it reports on."""
        self.answered_early: set[MsgId] = set()
        """Requests already answered before pygls loaded (`initialize`, see fast_start)."""

    # ---- incoming ------------------------------------------------------------

    def _handle_cancel_notification(self, msg_id: MsgId) -> None:
        hook = self.cancel_hooks.pop(msg_id, None)
        if hook is not None:
            hook()
        future = self._request_futures.pop(msg_id, None)
        if future is not None:
            future.cancel()

    def _handle_response(
        self, msg_id: MsgId, result: Any | None = None, error: Any | None = None
    ) -> None:
        future = self._request_futures.get(msg_id)
        if future is None or future.done():
            self._request_futures.pop(msg_id, None)
            log.debug("ignoring late answer to request %s", msg_id)
            return
        super()._handle_response(msg_id, result, error)

    @lsp_method(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    def lsp_work_done_progress_cancel(self, params: types.WorkDoneProgressCancelParams) -> None:
        """Progress cancel button: stop the turn behind the token."""
        hook = self.progress_cancel_hooks.pop(params.token, None)
        if hook is not None:
            hook()

    # ---- outgoing -------------------------------------------------------------

    def _send_response(self, msg_id: MsgId, result: Any | None = None, error: Any = None) -> None:
        if msg_id in self.answered_early:
            self.answered_early.discard(msg_id)
            return
        super()._send_response(msg_id, result, error)

    def send_raw_notification(self, method: str, params: Any) -> None:
        """Send a notification whose params are already JSON values."""
        self._send_data({"jsonrpc": "2.0", "method": method, "params": params})

    async def request(self, method: str, params: Any, timeout: float | None = None) -> Any:
        """Send a request with JSON params and await the raw JSON result.

        On timeout or cancellation the request is withdrawn with `$/cancelRequest`
        and a late answer is ignored.
        """
        msg_id = str(uuid.uuid4())
        future: Future[Any] = Future()
        self._request_futures[msg_id] = future
        self._result_types[msg_id] = None
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except (TimeoutError, asyncio.CancelledError) as exc:
            self._request_futures.pop(msg_id, None)
            self._result_types.pop(msg_id, None)
            future.cancel()
            self.send_raw_notification("$/cancelRequest", {"id": msg_id})
            if isinstance(exc, TimeoutError):
                raise RequestAbandoned(f"{method} got no answer within {timeout:g}s") from exc
            raise

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        """Apply all changes of one notification with one split of the document."""
        from codex_lsp.lsp.documents import adopt

        uri = params.text_document.uri
        docs = self.workspace.text_documents
        doc = docs.get(uri) or docs.get(unquote(uri))
        if doc is None:
            log.warning("didChange for a document that is not open: %s", uri)
            return
        adopt(doc).apply_lsp_changes(params.content_changes, params.text_document.version)

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Any:
        """Like pygls's, but safe when cancelling a request removes it from the table."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        """Always use UTF-16 positions: our text edits are computed in UTF-16 units."""
        general = params.capabilities.general
        if general is not None:
            general.position_encodings = None
        return (yield from super().lsp_initialize(params))
