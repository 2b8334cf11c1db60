"""Where and how to reach a model: URL, headers, timeouts, retry budget."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlencode

from codex_lsp.models.retry import RetryPolicy

if TYPE_CHECKING:
    import httpx


class RequestAuth(Protocol):
    """Credentials fetched per request (ChatGPT sign-in), refreshed by their owner.

    `headers` may raise `codex_lsp.auth.errors.AuthError` (not signed in, refresh
    failed); `unauthorized` is called after a 401 with the headers that were sent
    and says whether to retry once; `rejected` words the final refusal.
    """

    async def headers(self) -> dict[str, str]: ...

    async def unauthorized(self, sent: Mapping[str, str]) -> bool: ...

    def rejected(self, status: int, detail: str) -> str: ...


@dataclass(frozen=True)
class Endpoint:
    """Connection facts for one provider, resolved from the configuration."""

    base_url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    """Carries the API key: kept out of `repr` so it never reaches a log."""
    query_params: dict[str, str] = field(default_factory=dict)
    idle_timeout: float = 300.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    key_hint: str = "your configuration"
    """Where the user should look when the key is refused (env var or auth.json)."""
    auth: RequestAuth | None = field(default=None, repr=False, compare=False)
    """Per-request credentials (ChatGPT mode); None when `headers` carry a static key."""
    bad_request_hint: str | None = None
    """Added to a 400's message (ChatGPT mode names `model_instructions_file`)."""
    codex_envelope: bool = False
    """Codex 0.169's request shape (the built-in `openai` provider on the Responses wire)."""
    chatgpt_backend: bool = False
    """Codex's OpenAI provider in ChatGPT mode: zstd bodies (`content-encoding: zstd`) and
    the `x-codex-routing-hint` header, as Codex sends them to the ChatGPT backend."""

    def url(self, path: str) -> str:
        """Full URL for an API path, with the provider's query parameters."""
        url = self.base_url.rstrip("/") + path
        if self.query_params:
            url += ("&" if "?" in url else "?") + urlencode(self.query_params)
        return url

    def new_http_client(self) -> httpx.AsyncClient:
        """An httpx client whose read timeout is the stream idle timeout."""
        import httpx  # imported on first use: keeps server start-up fast

        from codex_lsp.net import async_client

        timeout = httpx.Timeout(connect=15.0, read=self.idle_timeout, write=30.0, pool=30.0)
        client = async_client(self.base_url, timeout=timeout, headers=self.headers)
        # Like Codex: no compressed answers asked for (an SSE stream is read as it comes).
        client.headers.pop("Accept-Encoding", None)
        return client
