"""The HTTP side shared by both wire clients: one streamed POST, retries, error mapping.

A wire client (Responses, Chat Completions) only says which path to call, what
body to send and how to turn the streamed response into `ModelEvent`s; this
base class opens the stream, maps HTTP and transport failures to one clear
`ModelError`, and retries as Codex does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from httpx_sse import SSEError

from codex_lsp.jsontext import dumps_utf8
from codex_lsp.models.base import ModelError, ModelEvent, ModelRequest, RateLimits
from codex_lsp.models.endpoint import Endpoint
from codex_lsp.models.errors import http_error, transport_error
from codex_lsp.models.limits import rate_limit_windows
from codex_lsp.models.retry import with_retries

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

TURN_STATE_HEADER = "x-codex-turn-state"
"""ChatGPT backend routing state: captured on a turn's first response, sent back after."""


@dataclass
class StreamProgress:
    """Whether any event arrived: decides between a request and a stream retry."""

    started: bool = False


def parse_json_object(raw: bytes | str, what: str) -> dict[str, Any]:
    """A JSON object from the model server, or a `ModelError` saying what was wrong."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ModelError(f"The model server sent malformed JSON in {what}: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"The model server sent {what} that is not a JSON object: {data!r:.200}")
    return data


def parse_event_data(raw: str, event: str) -> dict[str, Any] | None:
    """One SSE event's JSON object, or None (logged) when it is not one.

    Like Codex, a malformed event is skipped rather than failing the turn: the
    final items (`response.output_item.done`, `response.completed`) carry the
    whole answer, and a stream that loses its completion is retried anyway.
    """
    try:
        return parse_json_object(raw, f"event {event!r}")
    except ModelError as exc:
        log.warning("skipping a malformed stream event: %s", exc.message[:200])
        return None


def zstd_compress(data: bytes) -> bytes:
    """A zstd frame of `data` (level 3, Codex's), for `content-encoding: zstd` bodies."""
    import zstandard

    return zstandard.ZstdCompressor(level=3).compress(data)


class StreamingClient:
    """Base of the wire clients; subclasses set `path` and implement the two hooks."""

    path = ""

    def __init__(self, endpoint: Endpoint, http: httpx.AsyncClient | None = None) -> None:
        self.endpoint = endpoint
        self._client = http

    @property
    def _http(self) -> httpx.AsyncClient:
        """The connection pool, built on first use (a bad CA setting is then the turn's error)."""
        if self._client is None:
            from codex_lsp.net import NetworkSetupError

            try:
                self._client = self.endpoint.new_http_client()
            except NetworkSetupError as exc:
                raise ModelError(str(exc)) from exc
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        """Stream one response, retrying transient failures (see `with_retries`)."""
        async for event in with_retries(lambda: self._attempt(request), self.endpoint.retry):
            yield event

    def build_body(self, request: ModelRequest) -> dict[str, Any]:
        """The JSON body for this wire API."""
        raise NotImplementedError

    def events(
        self, response: httpx.Response, request: ModelRequest, progress: StreamProgress
    ) -> AsyncIterator[ModelEvent]:
        """Parse a successful streamed response into events; set `progress.started`."""
        raise NotImplementedError

    def refine_http_error(self, error: ModelError, request: ModelRequest) -> ModelError:
        """A chance to add wire-specific advice to an HTTP error."""
        return error

    def headers_for(self, request: ModelRequest) -> dict[str, str]:
        """Headers of one request: identity, the request's own, unless configured ones name them.

        A provider's `http_headers` (or `Authorization`) stay as the user set them.
        """
        from codex_lsp.models.identity import CODEX_WIRE_VERSION, client_headers

        configured = {name.lower() for name in self.endpoint.headers}
        headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        # Codex's identity on every request, also those without a thread (compaction, inline).
        identity = {**client_headers(), "version": CODEX_WIRE_VERSION, **request.headers}
        for name, value in identity.items():
            if name.lower() not in configured:
                headers[name] = value
        return headers

    async def _auth_headers(self) -> dict[str, str]:
        """Fresh per-request credentials (ChatGPT mode); an auth problem ends the request."""
        if self.endpoint.auth is None:
            return {}
        from codex_lsp.auth.errors import AuthError

        try:
            return await self.endpoint.auth.headers()
        except AuthError as exc:
            raise ModelError(exc.message, status=401) from exc

    async def _recover(self, sent: dict[str, str]) -> bool:
        """After a 401 in ChatGPT mode: whether fresh credentials are worth one retry."""
        assert self.endpoint.auth is not None
        from codex_lsp.auth.errors import AuthError

        try:
            return await self.endpoint.auth.unauthorized(sent)
        except AuthError as exc:
            raise ModelError(exc.message, status=401) from exc

    def _refine_status(self, error: ModelError) -> ModelError:
        """ChatGPT-mode wording: a refused sign-in, a refused instruction."""
        ep = self.endpoint
        if error.status == 401 and ep.auth is not None:
            return ModelError(ep.auth.rejected(401, error.message), status=401)
        if error.status == 400 and ep.bad_request_hint:
            return ModelError(f"{error.message} {ep.bad_request_hint}", status=400)
        return error

    async def _attempt(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        import httpx

        ep = self.endpoint
        progress = StreamProgress()
        auth_retried = False
        turn = request.turn
        while True:
            sent = await self._auth_headers()
            headers = {**self.headers_for(request), **sent}
            if turn is not None and turn.turn_state:
                headers[TURN_STATE_HEADER] = turn.turn_state
            try:
                content = dumps_utf8(self.build_body(request))
                if ep.chatgpt_backend:
                    content = zstd_compress(content)
                    headers["Content-Encoding"] = "zstd"
                    headers["x-codex-routing-hint"] = f"model={request.model}"
                async with self._http.stream(
                    "POST", ep.url(self.path), content=content, headers=headers
                ) as response:
                    if response.status_code == 401 and ep.auth is not None and not auth_retried:
                        await response.aread()
                        auth_retried = True
                        if await self._recover(sent):
                            continue
                    if response.status_code >= 400:
                        body = await response.aread()
                        error = http_error(
                            response.status_code,
                            body,
                            response.headers,
                            base_url=ep.base_url,
                            model=request.model,
                            key_hint=ep.key_hint,
                        )
                        error = self._refine_status(error)
                        raise self.refine_http_error(error, request)
                    state = response.headers.get(TURN_STATE_HEADER)
                    if turn is not None and turn.turn_state is None and state:
                        turn.turn_state = state
                    windows = rate_limit_windows(response.headers)
                    if windows:
                        yield RateLimits(windows)
                    async for event in self.events(response, request, progress):
                        yield event
                    return
            except ModelError:
                raise
            except SSEError as exc:
                raise ModelError(
                    f"The model server at {ep.base_url} did not answer with an event stream: {exc}"
                ) from exc
            except (httpx.TransportError, httpx.StreamError) as exc:
                started = progress.started
                raise transport_error(exc, base_url=ep.base_url, stream_started=started) from exc

