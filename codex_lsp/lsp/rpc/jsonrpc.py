"""pygls protocol tuned for an agent server.

- Custom messages keep plain dicts (pygls's default turns them into namedtuples).
- `$/cancelRequest` and progress cancel really stop our command tasks.
- Late answers to requests we gave up on are dropped quietly, and we tell the
  client with `$/cancelRequest` when we abandon one of our own requests.
- A message that does not decode never goes unanswered: a request gets
  `InvalidParams` / `InvalidRequest` with a one-line reason, a notification is
  ignored; either way the log gets one line, not a traceback.
- Every request gets exactly one answer: before `initialize`, `ServerNotInitialized`;
  a notification method sent with an id, `InvalidRequest`; an `initialize` already
  answered by `fast_start` is never answered again (its params decode leniently).
- Nothing is sent before the `initialize` answer: messages the handler sends
  (a sign-in event, a configuration error) wait for it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol
from urllib.parse import unquote

import cattrs
from cattrs import Converter
from lsprotocol import converters, types
from pygls.exceptions import FeatureRequestError, JsonRpcException, JsonRpcInvalidRequest
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    LanguageServerProtocol,
    lsp_method,
)
from pygls.protocol.json_rpc import MsgId

from codex_lsp.lsp.rpc.lenient_initialize import structure_leniently

log = logging.getLogger(__name__)


PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_NOT_INITIALIZED = -32002
REQUEST_CANCELLED = -32800
MAX_REASON = 300
"""Characters of a decoding error kept in an answer or a log line."""


def short_text(text: str, limit: int = MAX_REASON) -> str:
    """`text` on one line, cut at `limit` characters (client data echoed in logs)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reason(exc: Exception) -> str:
    """One line saying what is wrong with a message (cattrs paths like `$.params.x`)."""
    if isinstance(exc, cattrs.BaseValidationError):
        return short_text("; ".join(cattrs.transform_error(exc)))
    return short_text(f"{type(exc).__name__}: {exc}")


def _valid_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _is_notification(method: Any) -> bool:
    """An LSP method that is a notification (no answer type), e.g. `initialized`."""
    types_of = types.METHOD_TO_TYPES.get(method) if isinstance(method, str) else None
    return types_of is not None and types_of[1] is None


class RequestAbandoned(Exception):
    """A request to the client timed out or was withdrawn."""


@functools.cache
def make_converter() -> Converter:
    """Lsprotocol's converter, with custom messages kept as plain JSON values.

    One per process: cattrs builds each message type's hooks on first use, and
    the daemon's zygote builds them once for every server it forks.
    """
    conv = converters.get_converter()
    for cls in (JsonRPCRequestMessage, JsonRPCResponseMessage, JsonRPCNotification):
        conv.register_structure_hook(cls, lambda obj, c: c(**obj))
    return conv


class ChangeListener(Protocol):
    """Told about every `didChange` (review findings move with the text)."""

    def before_change(self, uri: str, doc: Any, changes: Any) -> Any:
        """Called before the changes apply; what it returns is passed to `after_change`."""

    def after_change(self, uri: str, doc: Any, changes: Any, before: Any) -> None:
        """Called once the document has the changes."""


class CodexProtocol(LanguageServerProtocol):
    """LanguageServerProtocol with real cancellation and raw-dict messaging."""

    def __init__(self, server: Any, converter: Converter) -> None:
        super().__init__(server, converter)
        self.cancel_hooks: dict[MsgId, Callable[[], None]] = {}
        """Request id -> how to really stop the work behind it."""
        self.progress_cancel_hooks: dict[str | int, Callable[[], None]] = {}
        """Progress token -> how to stop the work it reports on."""
        self.initialize_seen = False
        self._initialize_id: MsgId | None = None
        self._held: list[Any] | None = None
        """Messages sent while `initialize` is handled: they follow its answer."""
        self.answered_early: set[MsgId] = set()
        """Requests already answered before pygls loaded (`initialize`, see fast_start)."""

    # ---- incoming ------------------------------------------------------------

    def decode_message(self, data: Any) -> Any:
        """Decode one parsed message; None when it was malformed (and already answered)."""
        if not isinstance(data, dict):
            log.warning("ignored a message that is not a JSON object (%s)", type(data).__name__)
            self.send_error(None, INVALID_REQUEST, "Invalid Request: not a JSON object")
            return None
        method, msg_id = data.get("method"), data.get("id")
        is_request = "id" in data and "method" in data
        if data.get("jsonrpc") != "2.0" or ("method" in data and not isinstance(method, str)) or (
            "id" in data and not (_valid_id(msg_id) or msg_id is None)
        ):
            shown = short_text(repr(method), 80)
            log.warning("ignored an invalid JSON-RPC message (method %s)", shown)
            if is_request:
                answer_id = msg_id if _valid_id(msg_id) else None
                reason = "Invalid Request: bad jsonrpc, id or method"
                self.send_error(answer_id, INVALID_REQUEST, reason)
            return None
        if is_request and _is_notification(method):
            log.warning("refused notification %s sent with an id", short_text(str(method), 80))
            reason = f"Invalid Request: {method} is a notification; send it without an id"
            self.send_error(msg_id, INVALID_REQUEST, reason)
            return None
        try:
            return self._structure(data)
        except Exception as exc:
            self._undecodable(data, exc)
            return None

    def _structure(self, data: dict[str, Any]) -> Any:
        """What pygls's `structure_message` does, without its traceback logging."""
        if "id" in data:
            if "error" in data:
                return self._converter.structure(data, types.ResponseErrorMessage)
            if "method" in data:
                cls = self.get_message_type(data["method"]) or JsonRPCRequestMessage
                if data["method"] == types.INITIALIZE:
                    return self._structure_initialize(data, cls)
                return self._converter.structure(data, cls)
            cls = self._result_types.pop(data["id"], None) or JsonRPCResponseMessage
            return self._converter.structure(data, cls)
        cls = self.get_message_type(data.get("method", "")) or JsonRPCNotification
        return self._converter.structure(data, cls)

    def _structure_initialize(self, data: dict[str, Any], cls: type[Any]) -> Any:
        """`initialize` with what does not decode left out (see `lenient`)."""
        try:
            message, ignored = structure_leniently(self._converter, data, cls)
        except Exception as exc:
            log.warning("initialize: params unusable (%s); starting with none", _reason(exc))
            bare = {"jsonrpc": "2.0", "id": data["id"], "method": data["method"]}
            return self._converter.structure({**bare, "params": {"capabilities": {}}}, cls)
        if ignored:
            log.warning("initialize: ignored values lsprotocol rejects: %s", ", ".join(ignored))
        return message

    def _undecodable(self, data: dict[str, Any], exc: Exception) -> None:
        method, msg_id, reason = data.get("method"), data.get("id"), _reason(exc)
        method = None if method is None else short_text(method, 80)
        if method is not None and "id" in data and not self._has_handler(data["method"]):
            log.warning("request %s for unknown method %s", msg_id, method)
            self.send_error(msg_id, METHOD_NOT_FOUND, f"Method not found: {method}")
        elif method is not None and "id" in data:
            log.warning("invalid params for %s (request %s): %s", method, msg_id, reason)
            self.send_error(msg_id, INVALID_PARAMS, f"Invalid params for {method}: {reason}")
        elif method is not None:
            log.warning("ignored %s notification with invalid params: %s", method, reason)
        else:
            log.warning("could not decode the answer to request %s: %s", msg_id, reason)
            future = (
                self._request_futures.pop(msg_id, None) if isinstance(msg_id, int | str) else None
            )
            if future is not None and not future.done():
                future.set_exception(JsonRpcException(message=f"undecodable answer: {reason}"))

    def _send_handler_result(self, future: Future[Any], *, msg_id: MsgId) -> None:
        """Answer a request from its handler's outcome; a failure logs one line.

        pygls logs a full traceback and sends it to the client in `error.data`;
        here the client gets the message only, and the traceback goes to the
        debug log.
        """
        self._request_futures.pop(msg_id, None)
        if future.cancelled():
            self.send_error(msg_id, REQUEST_CANCELLED, f"request {msg_id} was cancelled")
            return
        exc = future.exception()
        if exc is None:
            try:
                self._send_response(msg_id, result=future.result())
                return
            except Exception as send_exc:
                exc = send_exc
        assert isinstance(exc, Exception)
        if isinstance(exc, JsonRpcException):
            log.warning("request %s failed: %s", msg_id, short_text(str(exc.message)))
            code, message = exc.code, str(exc.message)
        else:
            log.debug("request %s failed", msg_id, exc_info=exc)
            code, message = INTERNAL_ERROR, f"Internal error: {_reason(exc)}"
            self._server._report_server_error(exc, FeatureRequestError)  # logs one line
        self.send_error(msg_id, code, short_text(message))

    def _has_handler(self, method: str) -> bool:
        try:
            self._get_handler(method)
        except JsonRpcException:
            return False
        return True

    def handle_message(self, message: Any) -> None:
        """Dispatch a decoded message; after `shutdown`, requests get an error answer."""
        if message is None:
            return
        method = getattr(message, "method", None)
        if self._shutdown and method not in (None, types.EXIT) and hasattr(message, "id"):
            self.send_error(message.id, INVALID_REQUEST, "Invalid Request: the server is shut down")
            return
        if not self.initialize_seen and method not in (None, types.INITIALIZE, types.EXIT):
            if hasattr(message, "id"):
                log.warning("request %s before initialize refused", short_text(method, 80))
                reason = f"Server not initialized: send initialize before {method}"
                self.send_error(message.id, SERVER_NOT_INITIALIZED, short_text(reason))
            else:
                log.warning("notification %s before initialize ignored", short_text(method, 80))
            return
        super().handle_message(message)

    def send_error(self, msg_id: Any, code: int, message: str) -> None:
        """A JSON-RPC error answer (`msg_id` None when the request's id is unknown)."""
        error = {"code": code, "message": message}
        held = self._take_held(msg_id)
        if msg_id is not None and msg_id in self.answered_early:
            self.answered_early.discard(msg_id)  # fast_start answered it: only once
        else:
            self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": error})
        self._release(held)

    def _take_held(self, msg_id: Any) -> list[Any]:
        """The held messages, once `msg_id` is the `initialize` being answered."""
        if self._held is None or msg_id is None or msg_id != self._initialize_id:
            return []
        held, self._held = self._held, None
        return held

    def _release(self, held: list[Any]) -> None:
        for data in held:
            self._send_data(data)

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
        held = self._take_held(msg_id)
        if msg_id in self.answered_early:
            self.answered_early.discard(msg_id)
        else:
            super()._send_response(msg_id, result, error)
        self._release(held)

    def _send_data(self, data: Any) -> None:
        """Send, or hold until the `initialize` answer when that is being computed."""
        if self._held is not None:
            self._held.append(data)
            return
        super()._send_data(data)

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
        from codex_lsp.lsp.session.text_sync import adopt

        uri = params.text_document.uri
        docs = self.workspace.text_documents
        doc = docs.get(uri) or docs.get(unquote(uri))
        if doc is None:
            log.warning("didChange for a document that is not open: %s", uri)
            return
        listener: ChangeListener | None = getattr(self._server, "change_listener", None)
        before = listener.before_change(uri, doc, params.content_changes) if listener else None
        adopt(doc).apply_lsp_changes(params.content_changes, params.text_document.version)
        if listener is not None:
            listener.after_change(uri, doc, params.content_changes, before)

    def _offer_inline_completion(self) -> bool:
        """Whether `initialize` advertises `inlineCompletionProvider`.

        The server decides, after its `initialize` handler ran (no opinion: no).
        """
        offer = getattr(self._server, "offer_inline_completion", None)
        return bool(offer()) if offer is not None else False

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
        """Always use UTF-16 positions: our text edits are computed in UTF-16 units.

        A second `initialize` is refused: it would swap the workspace under running turns.
        """
        if self.initialize_seen:
            raise JsonRpcInvalidRequest("initialize may be sent only once")
        self.initialize_seen = True
        self._initialize_id, self._held = self.msg_id, []
        general = params.capabilities.general
        if general is not None:
            general.position_encodings = None
        result = yield from super().lsp_initialize(params)
        if not self._offer_inline_completion():
            result.capabilities.inline_completion_provider = None
            self.server_capabilities.inline_completion_provider = None
        return result
