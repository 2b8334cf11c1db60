"""Resolve the structured config to what is used: the profile applied, the provider chosen."""

from __future__ import annotations

import typing
from typing import Any

import attrs

from codex_lsp.config._structure import PathPart
from codex_lsp.config.errors import ConfigError
from codex_lsp.config.model import (
    DEFAULT_OPENAI_BASE_URL,
    PROFILE_FIELDS,
    Config,
    ModelProviderInfo,
)


def apply_profile(
    config: Config, source_of: typing.Callable[[tuple[PathPart, ...]], str], table: bool = True
) -> tuple[Config, tuple[PathPart, ...]]:
    """Overlay the selected `[profiles.<name>]` table; also say which key chose the provider.

    `table=False`: the profile came as its own file (already layered), no table applies.
    """
    provider_key: tuple[PathPart, ...] = ("model_provider",)
    if config.profile is None or not table:
        return config, provider_key
    profile = config.profiles.get(config.profile)
    if profile is None:
        known = ", ".join(sorted(config.profiles)) or "none"
        detail = (
            f"names unknown profile '{config.profile}': no {config.profile}.config.toml in "
            f"the Codex home and no [profiles.{config.profile}] (known tables: {known})"
        )
        source = source_of(("profile",))
        raise ConfigError(source, detail, "profile", faults=((source, ("profile",), detail),))
    updates = {
        name: getattr(profile, name)
        for name in PROFILE_FIELDS
        if getattr(profile, name) is not None
    }
    if "model_provider" in updates:
        provider_key = ("profiles", config.profile, "model_provider")
    return attrs.evolve(config, **updates), provider_key


def effective_provider(provider: ModelProviderInfo, config: Config) -> ModelProviderInfo:
    """Apply top-level retry/timeout overrides and the default base URL."""
    updates: dict[str, Any] = {}
    for name in ("request_max_retries", "stream_max_retries", "stream_idle_timeout_ms"):
        value = getattr(config, name)
        if value is not None:
            updates[name] = value
    if provider.base_url is None:
        updates["base_url"] = DEFAULT_OPENAI_BASE_URL  # Codex's fallback, too
    return attrs.evolve(provider, **updates) if updates else provider
