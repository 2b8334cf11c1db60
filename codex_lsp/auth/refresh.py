"""Token refresh: the request and Codex's classification of its failures.

`POST {refresh_url}` JSON `{client_id, grant_type: "refresh_token", refresh_token}`
answers `{id_token?, access_token?, refresh_token?}`. Refresh tokens rotate and
are single-use, so `refresh_token_expired` / `_reused` / `_invalidated` (in
`error.code`, `error` or `code`) and any 401 are permanent for the token that
was sent (codex-rs `classify_refresh_token_failure`); whether that means
"sign in again" is decided by the manager, which first re-reads the store.
"""

from __future__ import annotations

import json
from typing import Any

from codex_lsp.auth.endpoints import CLIENT_ID, auth_client
from codex_lsp.auth.errors import REFRESH_FAILED, REFRESH_UNAVAILABLE, AuthError
from codex_lsp.net import NetworkSetupError

REFRESH_TIMEOUT = 30.0

_PERMANENT = {
    "refresh_token_expired": "your refresh token has expired",
    "refresh_token_reused": "your refresh token was already used",
    "refresh_token_invalidated": "your refresh token was revoked",
}


def error_code(body: bytes | str) -> str | None:
    """The failure code in `error.code`, `error` or `code` (Codex's order)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    err = data.get("error")
    if isinstance(err, dict) and isinstance(err.get("code"), str):
        return str(err["code"])
    if isinstance(err, str):
        return err
    code = data.get("code")
    return code if isinstance(code, str) else None


def classify_failure(status: int, body: bytes) -> AuthError:
    """A permanent error (sign in again) or a transient one (try later)."""
    code = (error_code(body) or "").lower()
    if code in _PERMANENT:
        return AuthError(
            f"Your ChatGPT sign-in could not be refreshed because {_PERMANENT[code]}. "
            "Sign in again.",
            REFRESH_FAILED,
            permanent=True,
        )
    if status == 401:
        return AuthError(
            "Your ChatGPT sign-in could not be refreshed (the authority answered 401). "
            "Sign in again.",
            REFRESH_FAILED,
            permanent=True,
        )
    return AuthError(
        f"Could not refresh the ChatGPT sign-in: the authority answered {status}"
        + (f" ({code})" if code else "")
        + "; will try again on the next request.",
        REFRESH_UNAVAILABLE,
    )


PROACTIVE_EXPIRY = "proactive_expiry"
"""Codex's `refresh_reason` before a request, when the access token is (nearly) spent."""
UNAUTHORIZED_RECOVERY = "unauthorized_recovery"
"""Codex's `refresh_reason` after the backend answered 401."""


async def request_refresh(
    url: str, refresh_token: str, reason: str = PROACTIVE_EXPIRY
) -> dict[str, Any]:
    """New tokens from the authority, or an `AuthError` (permanent or transient).

    The JSON body is Codex's, `refresh_reason` included; so are the `originator` and
    User-Agent headers.
    """
    import httpx  # not at import time: the server answers its first commands without it

    body = {
        "client_id": CLIENT_ID,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "refresh_reason": reason,
    }
    try:
        async with auth_client(url, REFRESH_TIMEOUT) as http:
            response = await http.post(url, json=body)
    except (httpx.HTTPError, NetworkSetupError) as exc:
        raise AuthError(
            f"Could not reach {url} to refresh the ChatGPT sign-in: {exc}", REFRESH_UNAVAILABLE
        ) from exc
    if response.status_code >= 400:
        raise classify_failure(response.status_code, response.content)
    try:
        data = response.json()
    except ValueError as exc:
        raise AuthError(f"{url} answered malformed JSON", REFRESH_UNAVAILABLE) from exc
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise AuthError(f"{url} answered without an access_token", REFRESH_UNAVAILABLE)
    return data
