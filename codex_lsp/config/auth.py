"""Find the credentials for a provider, in Codex's order, and say why.

The stored sign-in (``auth.json`` or the OS keyring, per ``cli_auth_credentials_store``)
is either an API key or a ChatGPT sign-in (mode rule in ``codex_lsp.auth.authfile``).
Providers with ``requires_openai_auth`` (the built-in ``openai``) use the stored sign-in
first, as Codex's built-in provider does (it has no ``env_key`` and reads auth.json):
an exported ``OPENAI_API_KEY`` is used only when nothing usable is stored (or when
``forced_login_method = "api"`` refuses a stored ChatGPT sign-in), so a ChatGPT
subscriber who exports a key for other tools is not billed per token by surprise.
Other providers use their ``env_key`` first. ChatGPT tokens are not read here but
per request by ``codex_lsp.auth.manager``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from codex_lsp.auth.account import (
    Account,
    AuthSettings,
    account_of,
    check_allowed,
    remember_secrets,
)
from codex_lsp.auth.authfile import (
    API_KEY_FIELD,
    AUTH_FILE_NAME,
    MODE_API_KEY,
    MODE_CHATGPT,
    resolved_mode,
    tokens_of,
)
from codex_lsp.auth.errors import AuthError
from codex_lsp.auth.store import CredentialStore
from codex_lsp.config.model import Config, ModelProviderInfo

__all__ = ["AUTH_FILE_NAME", "OPENAI_API_KEY_ENV", "AuthResolution", "resolve_auth"]

OPENAI_API_KEY_ENV = "OPENAI_API_KEY"


@dataclass(frozen=True)
class AuthResolution:
    """What authenticates the provider's requests."""

    api_key: str | None = field(repr=False)
    source: str
    """``env NAME``, where the stored sign-in is, ``none`` or ``not required``."""
    account: Account = field(default_factory=lambda: Account(None))
    problem: str | None = None
    """Why a stored sign-in cannot be used (forced method or workspace)."""
    note: str | None = None
    """Why this credential and not another one that is also present."""


def auth_settings(config: Config, home: Path) -> AuthSettings:
    """The auth-related keys of a config."""
    return AuthSettings(
        home=home,
        store_mode=config.cli_auth_credentials_store,
        forced_login_method=config.forced_login_method,
        forced_workspace_ids=tuple(config.forced_chatgpt_workspace_id or ()),
    )


def uses_auth_json(provider: ModelProviderInfo) -> bool:
    """Whether the provider takes OpenAI credentials, so the stored sign-in applies."""
    return provider.requires_openai_auth or provider.env_key == OPENAI_API_KEY_ENV


def resolve_auth(
    provider: ModelProviderInfo,
    settings: AuthSettings,
    env: Mapping[str, str],
    warnings: list[str],
) -> AuthResolution:
    """The stored sign-in first for OpenAI-auth providers, else the provider's env var first."""
    env_key = provider.env_key
    env_value = env.get(env_key, "").strip() if env_key else ""
    if provider.requires_openai_auth:
        return _openai_auth(provider, settings, env_key or "", env_value, warnings)
    if env_key and env_value:
        return AuthResolution(env_value, f"env {env_key}", Account(MODE_API_KEY))
    if uses_auth_json(provider):
        found = _stored(provider, settings, warnings)
        if found is not None:
            return found
    if env_key is None:
        return AuthResolution(None, "not required")
    return AuthResolution(None, "none")


def _openai_auth(
    provider: ModelProviderInfo,
    settings: AuthSettings,
    env_key: str,
    env_value: str,
    warnings: list[str],
) -> AuthResolution:
    """Codex's built-in provider: the stored sign-in, the env key only as a fallback."""
    forced = settings.forced_login_method
    found = _stored(provider, settings, warnings)
    from_env = AuthResolution(env_value, f"env {env_key}", Account(MODE_API_KEY))
    if found is not None and found.problem is None:
        if env_value:
            return _with_ignored_env(found, env_key, provider)
        return found
    if env_value and forced != "chatgpt":
        if found is not None:  # forced_login_method = "api" refuses the stored ChatGPT sign-in
            return replace(from_env, note=f"the stored sign-in is not used: {found.problem}")
        return replace(from_env, note="no sign-in is stored, so the environment key is used")
    if found is not None:
        return found
    if forced == "chatgpt":
        return AuthResolution(None, "none", problem="ChatGPT sign-in is required "
                              '(forced_login_method = "chatgpt"): sign in with ChatGPT.')
    return AuthResolution(None, "none")


def _with_ignored_env(
    found: AuthResolution, env_key: str, provider: ModelProviderInfo
) -> AuthResolution:
    kind = "a ChatGPT sign-in" if found.account.mode == MODE_CHATGPT else "an API key"
    note = (
        f"{env_key} in the environment is ignored because {found.source} holds {kind}, "
        f"which the {provider.name} provider uses first, as Codex does; to use the "
        "environment key instead, run `codex-lsp logout`"
    )
    return replace(found, note=note)


def _stored(
    provider: ModelProviderInfo, settings: AuthSettings, warnings: list[str]
) -> AuthResolution | None:
    store = CredentialStore(settings.home, settings.store_mode)
    try:
        record = store.load()
    except AuthError as exc:
        warnings.append(
            f"ignoring malformed or unreadable credentials: {exc.message}; treated as signed "
            "out (the file is left as it is): fix it, or sign in again to replace it"
        )
        return None
    if record is None:
        return None
    remember_secrets(record)
    problem = check_allowed(record, settings) if provider.requires_openai_auth else None
    if problem is not None:
        return AuthResolution(None, store.describe(), problem=problem.message)
    mode = resolved_mode(record)
    if mode == MODE_API_KEY:
        key = record.get(API_KEY_FIELD)
        if key is not None and not isinstance(key, str):
            warnings.append(
                f"ignoring malformed {store.describe()}: {API_KEY_FIELD} is not a string"
            )
            return None
        if key and key.strip():
            return AuthResolution(key.strip(), store.describe(), Account(MODE_API_KEY))
        return None
    if mode == MODE_CHATGPT and tokens_of(record).get("access_token"):
        if provider.requires_openai_auth:
            return AuthResolution(None, store.describe(), account_of(record))
        warnings.append(
            f"{store.describe()} holds a ChatGPT sign-in, which only the built-in openai "
            f"provider can use; set {OPENAI_API_KEY_ENV} for provider '{provider.name}'"
        )
    return None
