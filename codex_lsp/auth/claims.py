"""Claims of the id_token and access_token (payload decoded; signatures are not ours to check).

The id_token says who is signed in (email, plan, ChatGPT account id); the access
token's `exp` says when to refresh. Claim names are Codex's (token_data.rs).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

AUTH_CLAIM = "https://api.openai.com/auth"
PROFILE_CLAIM = "https://api.openai.com/profile"


def jwt_payload(token: str | None) -> dict[str, Any]:
    """The JWT's payload object, or `{}` when the token is not a readable JWT."""
    if not token:
        return {}
    parts = token.split(".")
    if len(parts) != 3 or not parts[1]:
        return {}
    padded = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class IdClaims:
    """Who the id_token says is signed in."""

    email: str | None = None
    plan: str | None = None
    account_id: str | None = None
    user_id: str | None = None
    fedramp: bool = False
    """`chatgpt_account_is_fedramp`: requests then carry `X-OpenAI-Fedramp: true`."""


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def id_claims(id_token: str | None) -> IdClaims:
    """Email (top level or under the profile claim), plan, account and user ids."""
    payload = jwt_payload(id_token)
    auth = payload.get(AUTH_CLAIM)
    auth = auth if isinstance(auth, dict) else {}
    profile = payload.get(PROFILE_CLAIM)
    profile = profile if isinstance(profile, dict) else {}
    return IdClaims(
        email=_text(payload.get("email")) or _text(profile.get("email")),
        plan=_text(auth.get("chatgpt_plan_type")),
        account_id=_text(auth.get("chatgpt_account_id")),
        user_id=_text(auth.get("chatgpt_user_id")) or _text(auth.get("user_id")),
        fedramp=auth.get("chatgpt_account_is_fedramp") is True,
    )


def expires_at(token: str | None) -> float | None:
    """The token's `exp` (seconds since the epoch), if it has one."""
    exp = jwt_payload(token).get("exp")
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        return float(exp)
    return None
