"""Which sign-in is used, and fresh credentials for each model request.

`AuthManager` is shared by everything in a process that uses one CODEX_HOME
(`manager_for`). Before a request it refreshes an access token whose `exp` has
passed or is within a minute (without `exp`: a `last_refresh` older than 8 days),
so an expired token is never sent; after a 401 it first re-reads the stored
sign-in (another process may have refreshed it) and refreshes only if that did
not help. Refreshes are single-flight in the process (an asyncio lock) and
across codex-lsp processes (`auth.lock`, see `codex_lsp.auth.locks`), re-reading
the store under the lock.

The real Codex refreshes without any lock, so a refresh of ours can still spend
a token Codex has just spent: `refresh_token_reused` (or `_invalidated`, or a
401). That is not a sign-out while the store holds other tokens: the manager
releases the lock (Codex waits on it to write), re-reads the store for a
bounded while, and uses what another process stored. Only a stored refresh
token equal to the spent one is a real sign-out; that failure is remembered for
that token, so it is reported once and never retried in a loop; a new sign-in
clears it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from codex_lsp.auth import authfile
from codex_lsp.auth.account import (
    Account,
    AuthSettings,
    account_of,
    check_allowed,
    remember_secrets,
)
from codex_lsp.auth.authfile import MODE_CHATGPT, AuthRecord, tokens_of
from codex_lsp.auth.claims import expires_at, id_claims
from codex_lsp.auth.endpoints import refresh_url
from codex_lsp.auth.errors import NOT_SIGNED_IN, AuthError
from codex_lsp.auth.locks import RefreshLock
from codex_lsp.auth.refresh import PROACTIVE_EXPIRY, UNAUTHORIZED_RECOVERY, request_refresh
from codex_lsp.auth.store import CredentialStore

log = logging.getLogger(__name__)

REFRESH_MARGIN = 60.0
"""Refresh when the access token expires within this many seconds."""
STALE_AFTER = 8 * 24 * 3600.0
"""Without `exp`: refresh when `last_refresh` is older than this (Codex's 8 days)."""
RECOVER_WAIT = 5.0
"""After a spent refresh token: how long the process that spent it may take to store its tokens."""
RECOVER_STEP = 0.1

Listener = Callable[[AuthError], None]


def needs_refresh(record: AuthRecord, now: float | None = None) -> bool:
    """Whether the access token has expired, expires within a minute, or is stale."""
    now = time.time() if now is None else now
    exp = expires_at(tokens_of(record).get("access_token"))
    if exp is not None:
        return exp - now <= REFRESH_MARGIN
    last = authfile.parse_rfc3339(record.get("last_refresh"))
    return last is not None and now - last > STALE_AFTER


def not_signed_in(store: CredentialStore) -> AuthError:
    """The message when nothing usable is stored."""
    return AuthError(
        f"Not signed in: no ChatGPT sign-in in {store.describe()}. Sign in with ChatGPT "
        "(or run `codex-lsp login`), or set OPENAI_API_KEY.",
        NOT_SIGNED_IN,
    )


class AuthManager:
    """Credentials for model requests in ChatGPT mode; see the module docstring."""

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self.store = CredentialStore(settings.home, settings.store_mode)
        self._lock = asyncio.Lock()
        self._failure: tuple[str, AuthError] | None = None
        self._reported: str | None = None
        self.listeners: list[Listener] = []
        self.refreshes = 0
        """Refreshes this process made (figures and tests)."""
        self.recover_wait = RECOVER_WAIT

    # ---- reading -------------------------------------------------------------

    def load(self) -> AuthRecord | None:
        """The stored record (secrets registered with the redactor)."""
        record = self.store.load()
        remember_secrets(record)
        return record

    def account(self) -> Account:
        """Who is signed in (mode None when nothing is stored or readable)."""
        try:
            return account_of(self.load())
        except AuthError:
            return Account(None)

    def _chatgpt_tokens(self, record: AuthRecord | None) -> dict[str, Any]:
        """The tokens of a usable ChatGPT sign-in, else the `AuthError` to show."""
        if record is None:
            raise not_signed_in(self.store)
        problem = check_allowed(record, self.settings)
        if problem is not None:
            raise problem
        tokens = tokens_of(record)
        if authfile.resolved_mode(record) != MODE_CHATGPT or not tokens.get("access_token"):
            raise not_signed_in(self.store)
        if self._failure is not None:
            failed_token, error = self._failure
            if tokens.get("refresh_token") == failed_token:
                raise error  # same dead refresh token: no new request, no new message
            self._failure = None  # signed in again meanwhile
        return tokens

    # ---- requests --------------------------------------------------------------

    async def headers(self) -> dict[str, str]:
        """`Authorization` and `ChatGPT-Account-ID` with a fresh access token."""
        try:
            record = await asyncio.to_thread(self.load)
            tokens = self._chatgpt_tokens(record)
            assert record is not None
            if needs_refresh(record):
                record = await self._refresh(str(tokens["access_token"]), after_401=False)
        except AuthError as exc:
            self.report(exc)
            raise
        self._reported = None
        return self.headers_of(record)

    async def unauthorized(self, sent: Mapping[str, str]) -> bool:
        """After a 401: re-read, else refresh; True when the request should be retried once."""
        sent_token = _bearer(sent)
        try:
            await self._refresh(sent_token, after_401=True)
        except AuthError as exc:
            self.report(exc)
            if exc.permanent:
                raise
            return False
        return True

    def rejected(self, status: int, detail: str) -> str:
        """The message for a backend that refused fresh credentials; reported once."""
        error = AuthError(
            f"ChatGPT refused the sign-in ({status}) even after a refresh: {detail}. "
            "Sign in again.",
            "unauthorized",
        )
        self.report(error)
        return error.message

    @staticmethod
    def headers_of(record: AuthRecord) -> dict[str, str]:
        """The request headers of a ChatGPT record."""
        tokens = tokens_of(record)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        account_id = account_of(record).account_id
        if account_id:
            headers["ChatGPT-Account-ID"] = str(account_id)
        if id_claims(tokens.get("id_token")).fedramp:
            headers["X-OpenAI-Fedramp"] = "true"  # as Codex, for FedRAMP workspaces
        return headers

    async def _refresh(self, stale_access: str, after_401: bool) -> AuthRecord:
        """Fresh credentials: what another process stored meanwhile, else a refresh of ours."""
        async with self._lock:
            async with RefreshLock(self.settings.home):
                record = await asyncio.to_thread(self.load)
                tokens = self._chatgpt_tokens(record)
                assert record is not None
                if _already_fresh(record, str(tokens.get("access_token")), stale_access, after_401):
                    return record
                spent = str(tokens.get("refresh_token") or "")
                if not spent:
                    raise not_signed_in(self.store)
                try:
                    reason = UNAUTHORIZED_RECOVERY if after_401 else PROACTIVE_EXPIRY
                    fresh = await request_refresh(refresh_url(), spent, reason)
                except AuthError as exc:
                    if not exc.permanent:
                        raise
                    failure = exc
                else:
                    return await asyncio.to_thread(self._store_refreshed, spent, fresh)
            # auth.lock released: the process that spent the token may be waiting on it to write
            return await self._recover(spent, failure)

    def _store_refreshed(self, spent: str, fresh: dict[str, Any]) -> AuthRecord:
        """Write the refreshed tokens over the record that still holds `spent` (auth.lock held)."""
        stored = self.load()
        if stored is None:
            raise not_signed_in(self.store)  # signed out during the refresh: do not undo that
        if tokens_of(stored).get("refresh_token") != spent:
            log.info("a new sign-in was stored during the refresh; using it")
            self._chatgpt_tokens(stored)  # raises when it is not a usable ChatGPT sign-in
            return stored
        updated = authfile.with_refreshed_tokens(stored, fresh)
        remember_secrets(updated)
        self.store.save(updated, outer_held=True)
        self.refreshes += 1
        log.info("refreshed the ChatGPT access token")
        return updated

    async def _recover(self, spent: str, failure: AuthError) -> AuthRecord:
        """After `spent` was refused: the tokens another process stored, else the failure."""
        deadline = time.monotonic() + self.recover_wait
        while True:
            record = await asyncio.to_thread(self._replacement, spent)
            if record is not None:
                log.info("the refresh token was spent by another process; using its tokens")
                self._chatgpt_tokens(record)  # still allowed (forced method / workspace)?
                return record
            if time.monotonic() >= deadline:
                self._failure = (spent, failure)
                raise failure
            await asyncio.sleep(RECOVER_STEP)

    def _replacement(self, spent: str) -> AuthRecord | None:
        """The stored record if it holds another refresh token than `spent`, else None."""
        try:
            record = self.load()
        except AuthError:
            return None  # unreadable even after settling: wait on, then report
        if record is None:
            raise not_signed_in(self.store)  # signed out meanwhile
        stored = tokens_of(record).get("refresh_token")
        return record if stored and stored != spent else None

    # ---- listeners --------------------------------------------------------------

    def report(self, error: AuthError) -> None:
        """Tell the listeners once per distinct problem (no message loops)."""
        key = f"{error.reason}:{error.message}"
        if key == self._reported:
            return
        self._reported = key
        for listener in list(self.listeners):
            try:
                listener(error)
            except Exception:
                log.exception("auth listener failed")

    def signed_in(self) -> None:
        """A new sign-in was stored: forget failures and reported problems."""
        self._failure = None
        self._reported = None


def _already_fresh(record: AuthRecord, current: str, stale_access: str, after_401: bool) -> bool:
    """Whether the stored record can be used as it is instead of refreshing.

    Another process stored a different token: use it, unless it too has expired
    (before a request). Otherwise refresh only when it is due, or after a 401.
    """
    if current != stale_access:
        return after_401 or not needs_refresh(record)
    return not after_401 and not needs_refresh(record)


def _bearer(headers: Mapping[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "authorization":
            return value.partition(" ")[2].strip()
    return ""


_managers: dict[AuthSettings, AuthManager] = {}


def manager_for(settings: AuthSettings) -> AuthManager:
    """The process's one manager for these settings (shared by every client and command)."""
    manager = _managers.get(settings)
    if manager is None:
        manager = _managers[settings] = AuthManager(settings)
    return manager
