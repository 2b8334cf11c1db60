"""Pick the wire API client for the configured provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codex_lsp.models.base import ModelClient
from codex_lsp.models.endpoint import Endpoint
from codex_lsp.models.family import uses_codex_envelope
from codex_lsp.models.retry import RetryPolicy

if TYPE_CHECKING:
    from codex_lsp.config import LoadedConfig


def endpoint_for(loaded: LoadedConfig) -> Endpoint:
    """Connection facts for the selected provider (headers carry the key, never logged)."""
    from codex_lsp.config import request_headers

    provider = loaded.provider  # already carries the top-level retry/timeout overrides
    retries = RetryPolicy(
        request_max_retries=provider.request_max_retries,
        stream_max_retries=provider.stream_max_retries,
    )
    idle_ms = provider.stream_idle_timeout_ms
    if provider.env_key:
        key_hint = f"the {provider.env_key} environment variable"
        if provider.env_key == "OPENAI_API_KEY" or provider.requires_openai_auth:
            key_hint += f" or {loaded.home / 'auth.json'}"
    else:
        key_hint = f"the [model_providers.{loaded.provider_id}] section of {loaded.config_path}"
    endpoint = Endpoint(
        codex_envelope=uses_codex_envelope(loaded),
        base_url=provider.base_url or "",
        headers=request_headers(loaded),
        query_params=dict(provider.query_params),
        idle_timeout=idle_ms / 1000.0,
        retry=retries,
        key_hint=key_hint,
    )
    return _chatgpt(endpoint, loaded) if loaded.uses_chatgpt else endpoint


def _chatgpt(endpoint: Endpoint, loaded: LoadedConfig) -> Endpoint:
    """ChatGPT mode: the Codex backend (unless `openai_base_url` is set), per-request tokens."""
    from dataclasses import replace

    from codex_lsp.auth.endpoints import CHATGPT_CODEX_BASE_URL
    from codex_lsp.auth.manager import manager_for
    from codex_lsp.config import DEFAULT_OPENAI_BASE_URL

    assert loaded.auth_settings is not None
    base_url = endpoint.base_url
    if loaded.provider_id == "openai" and base_url.rstrip("/") == DEFAULT_OPENAI_BASE_URL:
        base_url = CHATGPT_CODEX_BASE_URL
    return replace(
        endpoint,
        base_url=base_url,
        auth=manager_for(loaded.auth_settings),
        key_hint="your ChatGPT sign-in",
        chatgpt_backend=endpoint.codex_envelope,
        bad_request_hint=(
            "If it refused the instructions or a parameter, check model_instructions_file "
            f"in {loaded.config_path} (it replaces the built-in instructions)."
        ),
    )


def create_client(loaded: LoadedConfig) -> ModelClient:
    """A streaming client for the provider's `wire_api`."""
    endpoint = endpoint_for(loaded)
    if loaded.provider.wire_api == "chat":
        from codex_lsp.models.chat import ChatClient

        return ChatClient(endpoint)
    from codex_lsp.models.responses import ResponsesClient

    return ResponsesClient(endpoint)
