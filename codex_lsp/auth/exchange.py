"""Authorization code -> tokens, the optional API-key exchange, and storing a new sign-in.

Form-encoded `POST {issuer}/oauth/token` with `grant_type=authorization_code`,
`code`, `redirect_uri`, `client_id`, `code_verifier` (codex-rs/login/src/server.rs).
The API-key exchange (token-exchange grant, `requested_token=openai-api-key`) is
best effort: when it fails, `OPENAI_API_KEY` stays null and sign-in still succeeds.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from codex_lsp import redact
from codex_lsp.auth import authfile
from codex_lsp.auth.account import AuthSettings
from codex_lsp.auth.claims import id_claims
from codex_lsp.auth.endpoints import CLIENT_ID, auth_client
from codex_lsp.auth.errors import LOGIN_FAILED, WORKSPACE, AuthError
from codex_lsp.auth.manager import manager_for
from codex_lsp.auth.store import CredentialStore
from codex_lsp.net import NetworkSetupError

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint returns for a code (kept out of `repr`)."""

    id_token: str
    access_token: str
    refresh_token: str

    def __repr__(self) -> str:
        return "Tokens(...)"


def _detail(body: bytes) -> str:
    """`error_description`, `error.message`, the `error` code, or the text (Codex's order)."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:300] or "unknown error"
    if isinstance(data, dict):
        if isinstance(data.get("error_description"), str):
            return str(data["error_description"])
        err = data.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return text[:300]


async def exchange_code(issuer: str, redirect_uri: str, verifier: str, code: str) -> Tokens:
    """Trade the authorization code for tokens."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": CLIENT_ID,
        "code_verifier": verifier,
    }
    url = f"{issuer}/oauth/token"
    try:
        async with auth_client(url, HTTP_TIMEOUT) as http:
            response = await http.post(url, data=form)
    except (httpx.HTTPError, NetworkSetupError) as exc:
        message = f"Token exchange failed: could not reach {url}: {exc}"
        raise AuthError(message, LOGIN_FAILED) from exc
    if response.status_code >= 400:
        raise AuthError(
            f"Token exchange failed: {url} answered {response.status_code}: "
            f"{redact.redact(_detail(response.content))}",
            LOGIN_FAILED,
        )
    data: Any = response.json() if response.content else None
    names = ("id_token", "access_token", "refresh_token")
    if not isinstance(data, dict) or not all(isinstance(data.get(n), str) for n in names):
        raise AuthError(f"Token exchange failed: {url} answered without tokens", LOGIN_FAILED)
    tokens = Tokens(data["id_token"], data["access_token"], data["refresh_token"])
    redact.remember([tokens.id_token, tokens.access_token, tokens.refresh_token])
    return tokens


async def obtain_api_key(issuer: str, id_token: str) -> str | None:
    """Codex's optional id_token -> API key exchange; None when it fails."""
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "client_id": CLIENT_ID,
        "requested_token": "openai-api-key",
        "subject_token": id_token,
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
    }
    try:
        async with auth_client(issuer, HTTP_TIMEOUT) as http:
            response = await http.post(f"{issuer}/oauth/token", data=form)
        key = response.json().get("access_token") if response.status_code < 400 else None
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        log.info("API key exchange failed (sign-in continues): %s", type(exc).__name__)
        return None
    if isinstance(key, str) and key:
        redact.remember([key])
        return key
    log.info("API key exchange answered %s (sign-in continues)", response.status_code)
    return None


def ensure_workspace_allowed(settings: AuthSettings, id_token: str) -> None:
    """Refuse a sign-in to a workspace `forced_chatgpt_workspace_id` does not allow."""
    allowed = settings.forced_workspace_ids
    if not allowed:
        return
    actual = id_claims(id_token).account_id
    if actual not in allowed:
        raise AuthError(
            f"Sign-in is restricted to workspace id(s) {', '.join(allowed)}.", WORKSPACE
        )


async def store_sign_in(settings: AuthSettings, tokens: Tokens, api_key: str | None) -> None:
    """Save a new ChatGPT sign-in (replacing any other) and tell the manager."""
    record = authfile.chatgpt_record(
        tokens.id_token,
        tokens.access_token,
        tokens.refresh_token,
        id_claims(tokens.id_token).account_id,
        api_key,
    )
    store = CredentialStore(settings.home, settings.store_mode)
    await asyncio.to_thread(store.save, record)
    manager_for(settings).signed_in()
