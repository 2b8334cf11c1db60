"""Who is signed in, and whether that sign-in may be used: read from the store alone.

Apart from `manager` (refreshes, asyncio, locks, HTTP) because the configuration
load needs only this, and `codex.status` is answered from it before the server
has loaded (`lsp.rpc.early_status`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_lsp import redact
from codex_lsp.auth import authfile
from codex_lsp.auth.authfile import MODE_CHATGPT, AuthRecord, tokens_of
from codex_lsp.auth.claims import id_claims
from codex_lsp.auth.errors import FORCED_METHOD, WORKSPACE, AuthError


@dataclass(frozen=True)
class AuthSettings:
    """The configuration keys that decide where and how a sign-in is used."""

    home: Path
    store_mode: str = "file"
    forced_login_method: str | None = None
    """`chatgpt` or `api` (Codex's `forced_login_method`)."""
    forced_workspace_ids: tuple[str, ...] = ()
    """Allowed ChatGPT account ids (`forced_chatgpt_workspace_id`)."""


@dataclass(frozen=True)
class Account:
    """Who is signed in, for `check` and `codex.status`."""

    mode: str | None
    email: str | None = None
    plan: str | None = None
    account_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "authMode": self.mode,
            "email": self.email,
            "plan": self.plan,
            "accountId": self.account_id,
        }


def remember_secrets(record: AuthRecord | None) -> None:
    """Register every credential of a record with the redactor."""
    if not record:
        return
    tokens = tokens_of(record)
    values = [tokens.get(k) for k in ("id_token", "access_token", "refresh_token")]
    values.append(record.get(authfile.API_KEY_FIELD))
    redact.remember([v for v in values if isinstance(v, str)])


def account_of(record: AuthRecord | None) -> Account:
    """Mode, email, plan and account id of a stored sign-in."""
    if record is None:
        return Account(None)
    mode = authfile.resolved_mode(record)
    if mode != MODE_CHATGPT:
        return Account(mode)
    tokens = tokens_of(record)
    claims = id_claims(tokens.get("id_token"))
    account_id = tokens.get("account_id") or claims.account_id
    return Account(mode, claims.email, claims.plan, account_id)


def check_allowed(record: AuthRecord, settings: AuthSettings) -> AuthError | None:
    """Why a stored sign-in may not be used under `forced_*`, or None."""
    mode = authfile.resolved_mode(record)
    forced = settings.forced_login_method
    if forced == "chatgpt" and mode != MODE_CHATGPT:
        return AuthError(
            'ChatGPT sign-in is required (forced_login_method = "chatgpt"), but an API key '
            "is stored. Sign in with ChatGPT.",
            FORCED_METHOD,
        )
    if forced == "api" and mode == MODE_CHATGPT:
        return AuthError(
            'API key sign-in is required (forced_login_method = "api"), but a ChatGPT '
            "sign-in is stored: run `codex-lsp login --with-api-key`.",
            FORCED_METHOD,
        )
    allowed = settings.forced_workspace_ids
    if mode == MODE_CHATGPT and allowed:
        actual = account_of(record).account_id
        if actual not in allowed:
            return AuthError(
                f"Sign-in is restricted to workspace(s) {', '.join(allowed)} "
                f"(forced_chatgpt_workspace_id), but this sign-in belongs to "
                f"{actual or 'no workspace'}. Sign in with ChatGPT to an allowed workspace.",
                WORKSPACE,
            )
    return None
