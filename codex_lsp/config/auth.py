"""Find the credentials for a provider: its environment variable, then Codex's ``auth.json``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from codex_lsp.config.model import ModelProviderInfo

AUTH_FILE_NAME = "auth.json"
OPENAI_API_KEY_ENV = "OPENAI_API_KEY"


def uses_auth_json(provider: ModelProviderInfo) -> bool:
    """Whether the provider takes OpenAI credentials, so ``auth.json`` applies."""
    return provider.requires_openai_auth or provider.env_key == OPENAI_API_KEY_ENV


def resolve_auth(
    provider: ModelProviderInfo, home: Path, env: Mapping[str, str], warnings: list[str]
) -> tuple[str | None, str]:
    """Find the API key: provider env var first, then ``auth.json`` for OpenAI auth."""
    if provider.env_key:
        value = env.get(provider.env_key, "").strip()
        if value:
            return value, f"env {provider.env_key}"
    if uses_auth_json(provider):
        key = _read_auth_json(home / AUTH_FILE_NAME, warnings)
        if key:
            return key, str(home / AUTH_FILE_NAME)
    if provider.env_key is None and not provider.requires_openai_auth:
        return None, "not required"
    return None, "none"


def _read_auth_json(path: Path, warnings: list[str]) -> str | None:
    """Read ``OPENAI_API_KEY`` from Codex's ``auth.json``; problems become warnings."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        warnings.append(f"ignoring unreadable {path}: {exc}")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        warnings.append(f"ignoring malformed {path}: {exc}")
        return None
    if not isinstance(data, dict):
        warnings.append(f"ignoring malformed {path}: expected a JSON object")
        return None
    key = data.get(OPENAI_API_KEY_ENV)
    if key is not None and not isinstance(key, str):
        warnings.append(f"ignoring malformed {path}: {OPENAI_API_KEY_ENV} is not a string")
        return None
    if key and key.strip():
        return key.strip()
    if data.get("tokens"):
        warnings.append(
            f"{path} holds a ChatGPT sign-in, which codex-lsp cannot use; "
            f"set {OPENAI_API_KEY_ENV} instead"
        )
    return None
