"""Fill in the middle through an OpenAI-compatible `/completions` endpoint.

llama.cpp's server, Ollama and vLLM accept `POST {base_url}/completions` with
`prompt` (the text before the cursor) and `suffix` (the text after it) and stream
`text_completion` chunks (`choices[0].text`) ending with `data: [DONE]`. Cancelling
the awaiting task closes the HTTP stream: the server stops generating.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from codex_lsp.models.base import ModelError

if TYPE_CHECKING:
    from codex_lsp.config import ModelProviderInfo


class FimClient:
    """One provider's `/completions` endpoint."""

    def __init__(self, provider: ModelProviderInfo, model: str) -> None:
        import httpx

        from codex_lsp.net import async_client

        self.provider = provider
        self.model = model
        self.base_url = (provider.base_url or "").rstrip("/")
        self._headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        key = os.environ.get(provider.env_key, "") if provider.env_key else ""
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        self._headers.update(provider.http_headers)
        self._http = async_client(self.base_url, timeout=httpx.Timeout(30.0, connect=5.0))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def body(self, prefix: str, suffix: str, max_tokens: int) -> dict[str, Any]:
        """The request: prompt + suffix, greedy, streamed."""
        return {
            "model": self.model,
            "prompt": prefix,
            "suffix": suffix,
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": True,
        }

    async def complete(self, prefix: str, suffix: str, max_tokens: int) -> str:
        """The inserted text; `ModelError` when the server fails."""
        import httpx
        from httpx_sse import EventSource

        url = f"{self.base_url}/completions"
        body = json.dumps(self.body(prefix, suffix, max_tokens))
        pieces: list[str] = []
        try:
            async with self._http.stream(
                "POST",
                url,
                content=body,
                headers=self._headers,
                params=dict(self.provider.query_params) or None,
            ) as response:
                if response.status_code >= 400:
                    detail = (await response.aread()).decode("utf-8", "replace")[:300]
                    raise ModelError(f"{url} answered {response.status_code}: {detail}")
                if response.headers.get("content-type", "").startswith("application/json"):
                    return _choice_text(json.loads(await response.aread()))
                async for sse in EventSource(response).aiter_sse():
                    if sse.data.strip() == "[DONE]":
                        break
                    if sse.data.strip():
                        pieces.append(_choice_text(json.loads(sse.data)))
        except (httpx.TransportError, httpx.StreamError, ValueError) as exc:
            raise ModelError(f"FIM request to {url} failed: {exc}") from exc
        return "".join(pieces)


def _choice_text(data: Any) -> str:
    choices = data.get("choices") if isinstance(data, dict) else None
    if not choices or not isinstance(choices[0], dict):
        return ""
    text = choices[0].get("text")
    return text if isinstance(text, str) else ""
