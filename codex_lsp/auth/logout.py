"""Sign out: revoke the refresh token (best effort, 10 s), then delete the stored sign-in.

`POST {revoke_url}` JSON `{token, token_type_hint: "refresh_token", client_id}`
(the access token, without client id, when there is no refresh token), as
codex-rs/login/src/auth/revoke.rs. A failed revoke never keeps the credentials.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from codex_lsp.auth import authfile
from codex_lsp.auth.account import AuthSettings
from codex_lsp.auth.authfile import AuthRecord
from codex_lsp.auth.endpoints import CLIENT_ID, auth_client, revoke_url
from codex_lsp.auth.errors import AuthError
from codex_lsp.auth.manager import manager_for
from codex_lsp.auth.store import CredentialStore
from codex_lsp.net import NetworkSetupError

log = logging.getLogger(__name__)

REVOKE_TIMEOUT = 10.0


def _revoke_body(record: AuthRecord | None) -> dict[str, str] | None:
    if record is None or authfile.resolved_mode(record) != authfile.MODE_CHATGPT:
        return None
    tokens = authfile.tokens_of(record)
    if tokens.get("refresh_token"):
        return {
            "token": str(tokens["refresh_token"]),
            "token_type_hint": "refresh_token",
            "client_id": CLIENT_ID,
        }
    if tokens.get("access_token"):
        return {"token": str(tokens["access_token"]), "token_type_hint": "access_token"}
    return None


async def revoke(record: AuthRecord | None, timeout: float = REVOKE_TIMEOUT) -> str | None:
    """Revoke the record's token; None when done (or nothing to do), else why it failed."""
    body = _revoke_body(record)
    if body is None:
        return None
    url = revoke_url()
    try:
        async with auth_client(url, timeout) as http:
            response = await http.post(url, json=body)
    except (httpx.HTTPError, NetworkSetupError) as exc:
        return f"could not reach {url}: {type(exc).__name__}"
    if response.status_code >= 400:
        return f"{url} answered {response.status_code}"
    return None


async def logout(settings: AuthSettings) -> tuple[bool, str | None]:
    """(whether credentials were removed, the revoke problem if any)."""
    store = CredentialStore(settings.home, settings.store_mode)
    try:
        record = await asyncio.to_thread(store.load)
    except AuthError as exc:
        log.warning("stored sign-in unreadable, deleting it anyway: %s", exc.message)
        record = None
    problem = await revoke(record)
    if problem:
        log.warning("token revocation failed (credentials deleted anyway): %s", problem)
    removed = await asyncio.to_thread(store.delete)
    manager_for(settings).signed_in()
    return removed, problem
