"""Token refresh: the request, Codex's classification of its failures, and the OS lock.

`POST {refresh_url}` JSON `{client_id, grant_type: "refresh_token", refresh_token}`
answers `{id_token?, access_token?, refresh_token?}`. Refresh tokens rotate and
are single-use, so `refresh_token_expired` / `_reused` / `_invalidated` (in
`error.code`, `error` or `code`) and any 401 are permanent: sign in again.
`AuthFileLock` (fcntl on `auth.json.lock` beside auth.json) is held around
read-refresh-write so two processes never spend the same refresh token.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from codex_lsp.auth.endpoints import CLIENT_ID, auth_client
from codex_lsp.auth.errors import REFRESH_FAILED, REFRESH_UNAVAILABLE, STORAGE, AuthError
from codex_lsp.net import NetworkSetupError

LOCK_FILE_NAME = "auth.json.lock"
LOCK_TIMEOUT = 30.0
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


class AuthFileLock:
    """An exclusive `flock` on `$CODEX_HOME/auth.json.lock`, taken without blocking the loop.

    A separate lock file, because auth.json itself is replaced by rename. The
    kernel drops the lock when the process dies, so a crash never wedges it.
    """

    def __init__(self, home: Path, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = home / LOCK_FILE_NAME
        self.timeout = timeout
        self._fd: int | None = None

    async def __aenter__(self) -> AuthFileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise AuthError(
                        f"Another process has held {self.path} for {self.timeout:.0f} s",
                        STORAGE,
                    ) from None
                await asyncio.sleep(0.02)
        self._fd = fd
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
