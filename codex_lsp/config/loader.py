"""Load ``$CODEX_HOME/config.toml`` plus LSP-supplied overrides into a checked config.

Precedence, lowest first: built-in providers -> ``config.toml`` -> the selected
profile's ``<name>.config.toml`` (Codex 0.169's profiles, `config.profile_files`)
-> overrides (``initializationOptions`` / ``workspace/didChangeConfiguration``).
Without that file, an older ``[profiles.<name>]`` table is applied last, as
Codex did before 0.169 (``-c`` overrides merged into the TOML first).

Errors are raised as :class:`ConfigError` naming the dotted key and where it
came from, because "invalid config" without a location is useless inside an
editor. Keys we do not model are ignored so a real Codex config never breaks
the server; unknown ones are reported as warnings, while Codex keys we simply
do not act on are accepted silently.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attrs

from codex_lsp import redact
from codex_lsp.auth.account import Account, AuthSettings
from codex_lsp.config._structure import PathPart, iter_errors, make_converter, render_key
from codex_lsp.config.auth import (
    AUTH_FILE_NAME,
    OPENAI_API_KEY_ENV,
    auth_settings,
    resolve_auth,
    uses_auth_json,
)
from codex_lsp.config.errors import ConfigError
from codex_lsp.config.known_keys import KNOWN_UNUSED_KEYS, unknown_keys
from codex_lsp.config.model import Config, ModelProviderInfo
from codex_lsp.config.profile_files import (
    profile_layer,
    profile_path,
    profile_warnings,
    selected_profile,
)
from codex_lsp.config.resolve import apply_profile, effective_provider
from codex_lsp.config.sources import (
    deep_merge,
    depth_present,
    normalize_overrides,
    prepare,
    read_toml,
)
from codex_lsp.config.tools_section import register_hooks as register_tool_hooks

__all__ = [
    "AUTH_FILE_NAME",
    "CONFIG_FILE_NAME",
    "KNOWN_UNUSED_KEYS",
    "ConfigError",
    "LoadedConfig",
    "codex_home",
    "load_config",
    "request_headers",
]

CONFIG_FILE_NAME = "config.toml"
DEFAULT_OVERRIDE_SOURCE = "initializationOptions"

_converter = make_converter()
register_tool_hooks(_converter)


@attrs.define(frozen=True)
class LoadedConfig:
    """A validated config with the provider and credentials it resolves to."""

    #: Effective config, with the selected profile already applied.
    config: Config
    #: Id of the selected provider (key in ``config.model_providers``).
    provider_id: str
    #: Selected provider, with top-level retry/timeout overrides and the
    #: default base URL applied, so callers need not re-resolve them.
    provider: ModelProviderInfo
    #: API key for ``provider``; excluded from ``repr`` so it never reaches logs.
    api_key: str | None = attrs.field(repr=False)
    #: Where ``api_key`` came from: ``env NAME``, an ``auth.json`` path,
    #: ``none`` (needed but missing) or ``not required``.
    auth_source: str
    #: Non-fatal problems (unknown keys, unreadable auth.json), for the user to see.
    warnings: list[str]
    #: ``config.toml`` location, whether or not it exists.
    config_path: Path
    #: Codex home directory (``$CODEX_HOME`` or ``~/.codex``).
    home: Path
    #: Whether ``config_path`` existed and was read.
    config_file_found: bool = False
    #: The selected profile's ``<name>.config.toml``, when it exists and was layered.
    profile_file: Path | None = None
    #: ``env_http_headers`` resolved against the environment at load time
    #: (values may be secrets, hence no ``repr``).
    env_header_values: dict[str, str] = attrs.field(factory=dict, repr=False)
    #: Who is signed in (mode ``apikey`` / ``chatgpt``, email, plan), never a secret.
    account: Account = attrs.field(factory=lambda: Account(None))
    #: The auth-related config keys (store, forced method and workspaces).
    auth_settings: AuthSettings | None = None
    #: Why the stored sign-in cannot be used (``forced_*`` keys), if it cannot.
    auth_problem: str | None = None
    #: Why this credential was chosen over another one also present (e.g. an ignored
    #: ``OPENAI_API_KEY``), for ``check`` and ``codex.status``.
    auth_note: str | None = None
    #: Why model requests are refused although the config loaded (a broken key that
    #: chose the provider was dropped: see ``config.lenient``), if they are.
    blocked: str | None = None

    @property
    def key_required(self) -> bool:
        """Whether the selected provider needs an API key at all."""
        return self.provider.env_key is not None or self.provider.requires_openai_auth

    @property
    def uses_chatgpt(self) -> bool:
        """Requests authenticate with the ChatGPT sign-in (no API key in play)."""
        return self.api_key is None and self.account.mode == "chatgpt"

    @property
    def auth_mode(self) -> str | None:
        """``apikey``, ``chatgpt`` or None (not signed in / not required)."""
        if self.uses_chatgpt:
            return "chatgpt"
        return "apikey" if self.api_key else None

    def missing_key_message(self) -> str | None:
        """Explain how to supply the missing key, or ``None`` if nothing is missing."""
        if self.api_key or not self.key_required or self.uses_chatgpt:
            return None
        if self.auth_problem:
            return self.auth_problem
        auth_path = self.home / AUTH_FILE_NAME
        env_key = self.provider.env_key
        if self.provider.requires_openai_auth:
            how = f"sign in with ChatGPT (`codex-lsp login`), set {env_key or OPENAI_API_KEY_ENV}"
            where = f"Not signed in for provider '{self.provider_id}'"
            return f"{where}: {how} or add it to {auth_path}"
        if env_key and uses_auth_json(self.provider):
            what = "it" if env_key == OPENAI_API_KEY_ENV else OPENAI_API_KEY_ENV
            how = f"set {env_key} or add {what} to {auth_path}"
        elif env_key:
            how = f"set {env_key}"
        else:
            how = f"add {OPENAI_API_KEY_ENV} to {auth_path}"
        message = f"No API key for provider '{self.provider_id}': {how}"
        if self.provider.env_key_instructions:
            message += f". {self.provider.env_key_instructions}"
        return message

    def describe(self) -> dict[str, Any]:
        """JSON-safe summary for ``codex-lsp check`` / ``codex.status``; never the key."""
        cfg = self.config
        return {
            "model": cfg.model,
            "provider": {
                "id": self.provider_id,
                "name": self.provider.name,
                "base_url": self.provider.base_url,
                "wire_api": self.provider.wire_api,
            },
            "approval_policy": cfg.approval_policy,
            "sandbox_mode": cfg.sandbox_mode,
            "profile": cfg.profile,
            "profile_file": str(self.profile_file) if self.profile_file else None,
            "model_reasoning_effort": cfg.model_reasoning_effort,
            "auth_source": self.auth_source,
            "auth_note": self.auth_note,
            "auth_mode": self.auth_mode,
            "account": {"email": self.account.email, "plan": self.account.plan}
            if self.uses_chatgpt
            else None,
            "api_key_present": bool(self.api_key),
            "config_path": str(self.config_path),
            "config_file_found": self.config_file_found,
            "home": str(self.home),
            "mcp_servers": sorted(cfg.mcp_servers),
            "warnings": list(self.warnings),
        }


def codex_home(env: Mapping[str, str] = os.environ) -> Path:
    """Codex's home directory: ``$CODEX_HOME`` if set, else ``~/.codex``."""
    configured = env.get("CODEX_HOME", "").strip()
    if configured:
        return Path(configured).expanduser()
    user_home = env.get("HOME", "").strip()
    return (Path(user_home) if user_home else Path.home()) / ".codex"


@dataclass(frozen=True)
class _Sources:
    """The raw tables, lowest precedence first, each with its source to blame for a key."""

    layers: tuple[tuple[str, dict[str, Any]], ...]

    def unknown_key_warnings(self) -> list[str]:
        return [
            f"unknown key '{render_key(p)}' in {source} ignored"
            for source, raw in self.layers
            for p in unknown_keys(Config, raw)
        ]

    def source_of(self, path: tuple[PathPart, ...]) -> str:
        """The layer reaching deepest into `path` (the later one when two reach as deep)."""
        best_source, best_depth = self.layers[0][0], 0
        for source, raw in self.layers:
            depth = depth_present(raw, path)
            if depth and depth >= best_depth:
                best_source, best_depth = source, depth
        return best_source

    def structure(self, env: Mapping[str, str]) -> Config:
        """The merged sources as a checked `Config`; `ConfigError` names every problem."""
        merged: dict[str, Any] = {}
        for _source, raw in self.layers:
            merged = deep_merge(merged, raw)
        raw = prepare(merged, env)
        try:
            return _converter.structure(raw, Config)
        except Exception as exc:
            found = list(iter_errors(exc))
            messages = tuple(
                str(ConfigError(self.source_of(p), d, render_key(p) or None)) for p, d in found
            )
            faults = tuple((self.source_of(p), p, d) for p, d in found)
            path, detail = found[0]
            if len(found) > 1:
                more = len(found) - 1
                detail += f" (and {more} more problem{'s' if more > 1 else ''})"
            key = render_key(path) or None
            raise ConfigError(self.source_of(path), detail, key, messages, faults) from exc


def load_config(
    home: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    override_source: str = DEFAULT_OVERRIDE_SOURCE,
    file_data: tuple[dict[str, Any], bool] | None = None,
    profile_data: tuple[dict[str, Any], bool] | None = None,
) -> LoadedConfig:
    """Read, merge, validate and resolve the configuration.

    A missing ``config.toml`` means defaults. ``overrides`` use the same key
    names as the file, may be nested under a top-level ``"codex"`` key, and may
    spell top-level keys in camelCase (``approvalPolicy``); ``null`` values are
    ignored. Raises :class:`ConfigError` for anything that cannot be used.
    `file_data` is the file's table (and whether it exists) when already read;
    `profile_data` the same for the selected profile's file.
    """
    env = os.environ if env is None else env
    home = codex_home(env) if home is None else home
    config_path = home / CONFIG_FILE_NAME
    file_raw, found = read_toml(config_path) if file_data is None else file_data
    over_raw = normalize_overrides(overrides, override_source)
    name = selected_profile(file_raw, over_raw)
    path = profile_path(home, name) if name is not None else None
    if profile_data is None:
        profile_data = read_toml(path) if path is not None else ({}, False)
    profile_raw, profile_found = profile_data
    layers = [(str(config_path), file_raw)]
    if path is not None:
        layers.append((str(path), profile_layer(profile_raw)))
    sources = _Sources((*layers, (override_source, over_raw)))
    warnings = sources.unknown_key_warnings()
    warnings += profile_warnings(name, file_raw, profile_raw, path, profile_found)
    config = sources.structure(env)
    source_of = sources.source_of
    config, provider_key = apply_profile(config, source_of, table=not profile_found)
    provider = config.model_providers.get(config.model_provider)
    if provider is None:
        known = ", ".join(sorted(config.model_providers))
        detail = f"names unknown provider '{config.model_provider}' (known: {known})"
        source = source_of(provider_key)
        raise ConfigError(
            source, detail, render_key(provider_key), faults=((source, provider_key, detail),)
        )
    provider = effective_provider(provider, config)
    settings = auth_settings(config, home)
    auth = resolve_auth(provider, settings, env, warnings)
    api_key, auth_source = auth.api_key, auth.source
    env_header_values = {
        header: env[var] for header, var in provider.env_http_headers.items() if env.get(var)
    }
    redact.remember(
        [api_key, *env_header_values.values(), *redact.header_credentials(provider.http_headers)]
    )
    return LoadedConfig(
        config=config,
        provider_id=config.model_provider,
        provider=provider,
        api_key=api_key,
        auth_source=auth_source,
        warnings=warnings,
        config_path=config_path,
        home=home,
        config_file_found=found,
        profile_file=path if profile_found else None,
        env_header_values=env_header_values,
        account=auth.account,
        auth_settings=settings,
        auth_problem=auth.problem,
        auth_note=auth.note,
    )


def request_headers(loaded: LoadedConfig) -> dict[str, str]:
    """HTTP headers for a model request: bearer auth, then static, then env headers.

    Later sources replace earlier ones case-insensitively, so a provider's
    ``http_headers`` can deliberately replace ``Authorization`` (as in Codex).
    """
    headers: dict[str, str] = {}

    def put(name: str, value: str) -> None:
        for existing in [k for k in headers if k.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value

    if loaded.api_key:
        put("Authorization", f"Bearer {loaded.api_key}")
    for name, value in loaded.provider.http_headers.items():
        put(name, value)
    for name, value in loaded.env_header_values.items():
        put(name, value)
    return headers
