"""Where the authority is: issuer, token/revoke URLs, Codex's public client id, backend URL."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from codex_lsp.models.identity import client_headers
from codex_lsp.models.identity import originator as originator  # the authorize URL's

if TYPE_CHECKING:
    import httpx

CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
"""Codex's public OAuth client id, the same in every call (authorize, exchange, refresh, ...)."""
DEFAULT_ISSUER = "https://auth.openai.com"
CHATGPT_CODEX_BASE_URL = "https://chatgpt.com/backend-api/codex"
"""Model requests in ChatGPT mode go here (path `/responses`), unless `openai_base_url` is set."""

ISSUER_ENV = "CODEX_LOGIN_ISSUER"
REFRESH_URL_ENV = "CODEX_REFRESH_TOKEN_URL_OVERRIDE"
REVOKE_URL_ENV = "CODEX_REVOKE_TOKEN_URL_OVERRIDE"



def issuer(env: Mapping[str, str] | None = None) -> str:
    """The authority's base URL (`CODEX_LOGIN_ISSUER` for tests and enterprise proxies)."""
    env = os.environ if env is None else env
    return (env.get(ISSUER_ENV, "").strip() or DEFAULT_ISSUER).rstrip("/")


def refresh_url(env: Mapping[str, str] | None = None) -> str:
    """`POST` here to refresh: the override, else `{issuer}/oauth/token`."""
    env = os.environ if env is None else env
    return env.get(REFRESH_URL_ENV, "").strip() or f"{issuer(env)}/oauth/token"


def revoke_url(env: Mapping[str, str] | None = None) -> str:
    """The revoke URL: its override, else derived from the refresh override, else the issuer's."""
    env = os.environ if env is None else env
    override = env.get(REVOKE_URL_ENV, "").strip()
    if override:
        return override
    refresh_override = env.get(REFRESH_URL_ENV, "").strip()
    if refresh_override:
        parts = urlsplit(refresh_override)
        if parts.scheme and parts.netloc:
            return urlunsplit((parts.scheme, parts.netloc, "/oauth/revoke", "", ""))
    return f"{issuer(env)}/oauth/revoke"


def auth_client(url: str, timeout: float) -> httpx.AsyncClient:
    """A client for the authority at `url`: Codex's `originator` and User-Agent, env proxy/CA."""
    from codex_lsp.net import async_client

    return async_client(url, timeout=timeout, headers=client_headers())
