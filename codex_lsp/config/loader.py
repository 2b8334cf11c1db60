"""Load ``$CODEX_HOME/config.toml`` plus LSP-supplied overrides into a checked config.

Precedence, lowest first: built-in providers -> ``config.toml`` -> overrides
(``initializationOptions`` / ``workspace/didChangeConfiguration``) -> the
selected ``[profiles.<name>]``. This matches Codex CLI, where ``-c`` overrides
are merged into the TOML before the profile is applied.

Errors are raised as :class:`ConfigError` naming the dotted key and where it
came from, because "invalid config" without a location is useless inside an
editor. Keys we do not model are ignored so a real Codex config never breaks
the server; unknown ones are reported as warnings, while Codex keys we simply
do not act on are accepted silently.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import types
import typing
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import attrs

from codex_lsp import redact
from codex_lsp.config._structure import (
    PathPart,
    describe_value,
    iter_errors,
    make_converter,
    render_key,
)
from codex_lsp.config.model import (
    DEFAULT_OPENAI_BASE_URL,
    PROFILE_FIELDS,
    Config,
    McpServerConfig,
    ModelProviderInfo,
    Profile,
    ShellEnvironmentPolicy,
    builtin_provider_tables,
)

CONFIG_FILE_NAME = "config.toml"
AUTH_FILE_NAME = "auth.json"
DEFAULT_OVERRIDE_SOURCE = "initializationOptions"
OPENAI_API_KEY_ENV = "OPENAI_API_KEY"

#: Codex keys that are valid in Codex but have no effect in codex-lsp. They are
#: accepted without a warning so a shared ``config.toml`` does not produce noise.
KNOWN_UNUSED_KEYS: Mapping[type, frozenset[str]] = {
    Config: frozenset(
        {
            "agents",
            "allow_login_shell",
            "analytics",
            "apps",
            "apps_mcp_product_sku",
            "approvals_reviewer",
            "audio",
            "auto_review",
            "background_terminal_max_timeout",
            "base_instructions",
            "chatgpt_base_url",
            "check_for_update_on_startup",
            "cli_auth_credentials_store",
            "compact_prompt",
            "debug",
            "default_permissions",
            "desktop",
            "developer_instructions",
            "disable_paste_burst",
            "disable_response_storage",
            "features",
            "feedback",
            "file_opener",
            "forced_chatgpt_workspace_id",
            "forced_login_method",
            "ghost_snapshot",
            "hide_agent_reasoning",
            "history",
            "hooks",
            "include_apply_patch_tool",
            "include_apps_instructions",
            "include_collaboration_mode_instructions",
            "include_environment_context",
            "include_permissions_instructions",
            "include_plan_tool",
            "include_view_image_tool",
            "instructions",
            "js_repl_node_module_dirs",
            "js_repl_node_path",
            "log_dir",
            "marketplaces",
            "mcp_oauth_callback_port",
            "mcp_oauth_callback_url",
            "mcp_oauth_credentials_store",
            "memories",
            "model_auto_compact_token_limit_scope",
            "model_catalog_json",
            "model_family",
            "model_instructions_file",
            "model_max_output_tokens",
            "model_reasoning_summary",
            "model_reasoning_summary_format",
            "model_supports_reasoning_summaries",
            "model_verbosity",
            "notice",
            "notify",
            "oss_provider",
            "otel",
            "permissions",
            "personality",
            "plan_mode_reasoning_effort",
            "plugins",
            "preferred_auth_method",
            "project_doc_fallback_filenames",
            "project_root_markers",
            "projects",
            "realtime",
            "review_model",
            "service_tier",
            "show_raw_agent_reasoning",
            "skills",
            "sqlite",
            "sqlite_home",
            "suppress_unstable_features_warning",
            "tool_output_token_limit",
            "tool_suggest",
            "tools",
            "tui",
            "use_experimental_streamable_shell_tool",
            "web_search",
            "windows",
            "windows_wsl_setup_acknowledged",
        }
    ),
    Profile: frozenset(
        {
            "analytics",
            "approvals_reviewer",
            "chatgpt_base_url",
            "developer_instructions",
            "features",
            "include_apply_patch_tool",
            "include_plan_tool",
            "include_view_image_tool",
            "model_catalog_json",
            "model_instructions_file",
            "model_reasoning_summary",
            "model_reasoning_summary_format",
            "model_verbosity",
            "oss_provider",
            "personality",
            "plan_mode_reasoning_effort",
            "service_tier",
            "tools",
            "tools_view_image",
            "tools_web_search",
            "web_search",
            "windows",
        }
    ),
    ModelProviderInfo: frozenset(
        {
            "azure_entra_auth",
            "azure_entra_scope",
            "supports_standalone_web_search",
            "supports_websockets",
            "websocket_connect_timeout_ms",
        }
    ),
    McpServerConfig: frozenset(
        {
            "experimental_environment",
            "oauth",
            "oauth_resource",
            "required",
            "scopes",
            "tools",
            # Legacy spelling of startup_timeout_sec; converted by the loader.
            "startup_timeout_ms",
        }
    ),
    ShellEnvironmentPolicy: frozenset({"experimental_use_profile"}),
}

#: Sections where Codex's many ``experimental_*`` keys are tolerated silently.
_EXPERIMENTAL_OK: frozenset[type] = frozenset({Config, Profile})

_CONFIG_FIELDS: frozenset[str] = frozenset(a.name for a in attrs.fields(Config))
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")

_converter = make_converter()


class ConfigError(Exception):
    """Configuration that cannot be used; the message names the key and its source."""

    def __init__(
        self,
        source: str,
        detail: str,
        key: str | None = None,
        problems: tuple[str, ...] = (),
    ) -> None:
        message = f"{source}: '{key}' {detail}" if key else f"{source}: {detail}"
        super().__init__(message)
        #: Full human-readable message (also ``str(error)``).
        self.message = message
        #: Dotted key at fault, e.g. ``model_providers.local.request_max_retries``.
        self.key = key
        #: Config file path, or the override source (``initializationOptions``).
        self.source = source
        #: Every problem found, first one being ``message`` (cattrs reports them all).
        self.problems: tuple[str, ...] = problems or (message,)


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
    #: ``env_http_headers`` resolved against the environment at load time
    #: (values may be secrets, hence no ``repr``).
    env_header_values: dict[str, str] = attrs.field(factory=dict, repr=False)

    @property
    def key_required(self) -> bool:
        """Whether the selected provider needs an API key at all."""
        return self.provider.env_key is not None or self.provider.requires_openai_auth

    def missing_key_message(self) -> str | None:
        """Explain how to supply the missing key, or ``None`` if nothing is missing."""
        if self.api_key or not self.key_required:
            return None
        auth_path = self.home / AUTH_FILE_NAME
        env_key = self.provider.env_key
        if env_key and _uses_auth_json(self.provider):
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
            "model_reasoning_effort": cfg.model_reasoning_effort,
            "auth_source": self.auth_source,
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


def load_config(
    home: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    override_source: str = DEFAULT_OVERRIDE_SOURCE,
) -> LoadedConfig:
    """Read, merge, validate and resolve the configuration.

    A missing ``config.toml`` means defaults. ``overrides`` use the same key
    names as the file, may be nested under a top-level ``"codex"`` key, and may
    spell top-level keys in camelCase (``approvalPolicy``); ``null`` values are
    ignored. Raises :class:`ConfigError` for anything that cannot be used.
    """
    env = os.environ if env is None else env
    home = codex_home(env) if home is None else home
    config_path = home / CONFIG_FILE_NAME
    file_source = str(config_path)
    warnings: list[str] = []

    file_raw, found = _read_toml(config_path)
    over_raw = _normalize_overrides(overrides, override_source)
    warnings += [
        f"unknown key '{render_key(p)}' in {file_source} ignored"
        for p in _unknown_keys(Config, file_raw)
    ]
    warnings += [
        f"unknown key '{render_key(p)}' in {override_source} ignored"
        for p in _unknown_keys(Config, over_raw)
    ]

    def source_of(path: tuple[PathPart, ...]) -> str:
        """Blame overrides only when they reach at least as deep as the file does."""
        over_depth = _depth_present(over_raw, path)
        file_depth = _depth_present(file_raw, path)
        if over_depth > file_depth or (over_depth and over_depth == file_depth):
            return override_source
        return file_source

    raw = _prepare(_deep_merge(file_raw, over_raw), env)
    try:
        config = _converter.structure(raw, Config)
    except Exception as exc:
        found_errors = list(iter_errors(exc))
        messages = tuple(
            str(ConfigError(source_of(p), d, render_key(p) or None)) for p, d in found_errors
        )
        path, detail = found_errors[0]
        if len(found_errors) > 1:
            more = len(found_errors) - 1
            detail += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ConfigError(source_of(path), detail, render_key(path) or None, messages) from exc

    config, provider_key = _apply_profile(config, source_of)
    provider = config.model_providers.get(config.model_provider)
    if provider is None:
        known = ", ".join(sorted(config.model_providers))
        raise ConfigError(
            source_of(provider_key),
            f"names unknown provider '{config.model_provider}' (known: {known})",
            render_key(provider_key),
        )
    provider = _effective_provider(provider, config)
    api_key, auth_source = _resolve_auth(provider, home, env, warnings)
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
        env_header_values=env_header_values,
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


def request_url(loaded: LoadedConfig, path: str) -> str:
    """Full URL for an API ``path`` (e.g. ``/responses``) including ``query_params``."""
    base = (loaded.provider.base_url or DEFAULT_OPENAI_BASE_URL).rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    url = base + path
    if loaded.provider.query_params:
        url += ("&" if "?" in url else "?") + urlencode(loaded.provider.query_params)
    return url


# --- reading and merging -------------------------------------------------------


def _read_toml(path: Path) -> tuple[dict[str, Any], bool]:
    """Parse the config file; a missing file is simply "no settings"."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh), True
    except FileNotFoundError:
        return {}, False
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), f"is not valid UTF-8: {exc}") from exc
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read: {exc.strerror or exc}") from exc


def _normalize_overrides(overrides: Mapping[str, Any] | None, source: str) -> dict[str, Any]:
    """Unwrap a ``"codex"`` section, map camelCase top-level keys, drop ``null`` values."""
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise ConfigError(source, f"settings must be an object (got {describe_value(overrides)})")
    data: Any = overrides
    if "codex" in overrides:
        # Siblings of "codex" belong to other tools sharing the settings object.
        data = overrides["codex"]
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            raise ConfigError(source, f"must be an object (got {describe_value(data)})", "codex")
    snake: dict[str, Any] = {}
    aliased: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key)
        alias = _CAMEL_BOUNDARY.sub("_", name).lower()
        if name not in _CONFIG_FIELDS and alias in _CONFIG_FIELDS:
            aliased[alias] = value
        else:
            snake[name] = value
    merged = {**aliased, **snake}  # an explicit snake_case key wins over its alias
    return {key: _drop_none(value) for key, value in merged.items() if value is not None}


def _drop_none(value: Any) -> Any:
    """JSON ``null`` means "not set" for overrides; remove it at every table level."""
    if isinstance(value, Mapping):
        return {str(k): _drop_none(v) for k, v in value.items() if v is not None}
    return value


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Merge tables recursively; any non-table value in ``over`` replaces the base value."""
    out = dict(base)
    for key, value in over.items():
        current = out.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            out[key] = _deep_merge(current, value)
        else:
            out[key] = value
    return out


def _prepare(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """Fold in built-in providers and legacy spellings before structuring."""
    tables: dict[str, Any] = dict(builtin_provider_tables(env))
    openai_base = raw.get("openai_base_url")
    if isinstance(openai_base, str) and openai_base.strip():
        tables["openai"] = {**tables["openai"], "base_url": openai_base.strip()}
    user = raw.get("model_providers", {})
    if isinstance(user, Mapping):
        for pid, table in user.items():
            base = tables.get(pid)
            if isinstance(base, Mapping) and isinstance(table, Mapping):
                tables[pid] = _deep_merge(base, table)
            else:
                tables[pid] = table
        raw = {**raw, "model_providers": tables}

    servers = raw.get("mcp_servers")
    if isinstance(servers, Mapping):
        fixed: dict[str, Any] = {}
        for sid, server in servers.items():
            if (
                isinstance(server, Mapping)
                and "startup_timeout_sec" not in server
                and isinstance(server.get("startup_timeout_ms"), int | float)
                and not isinstance(server.get("startup_timeout_ms"), bool)
            ):
                server = {**server, "startup_timeout_sec": server["startup_timeout_ms"] / 1000}
            fixed[sid] = server
        raw = {**raw, "mcp_servers": fixed}
    return raw


# --- schema walking -----------------------------------------------------------


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


def _unknown_keys(
    cls: type, raw: Mapping[str, Any], path: tuple[PathPart, ...] = ()
) -> Iterator[tuple[PathPart, ...]]:
    """Yield paths of keys that neither the model nor the known-unused lists cover."""
    fields = attrs.fields_dict(cls)
    tolerated = KNOWN_UNUSED_KEYS.get(cls, frozenset())
    for key, value in raw.items():
        here = (*path, key)
        if key not in fields:
            if key in tolerated or (cls in _EXPERIMENTAL_OK and key.startswith("experimental_")):
                continue
            yield here
            continue
        tp = _strip_optional(_hints(cls)[key])
        if attrs.has(tp) and isinstance(value, Mapping):
            yield from _unknown_keys(tp, value, here)
        elif typing.get_origin(tp) is dict and isinstance(value, Mapping):
            item_tp = typing.get_args(tp)[1]
            if attrs.has(item_tp):
                for name, item in value.items():
                    if isinstance(item, Mapping):
                        yield from _unknown_keys(item_tp, item, (*here, name))


def _depth_present(raw: Mapping[str, Any], path: tuple[PathPart, ...]) -> int:
    """How many leading parts of ``path`` exist in ``raw`` (used to blame a source)."""
    node: Any = raw
    depth = 0
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
        depth += 1
    return depth


# --- resolution ---------------------------------------------------------------


def _apply_profile(
    config: Config, source_of: typing.Callable[[tuple[PathPart, ...]], str]
) -> tuple[Config, tuple[PathPart, ...]]:
    """Overlay the selected profile; also say which key chose the provider."""
    provider_key: tuple[PathPart, ...] = ("model_provider",)
    if config.profile is None:
        return config, provider_key
    profile = config.profiles.get(config.profile)
    if profile is None:
        known = ", ".join(sorted(config.profiles)) or "no [profiles] are defined"
        raise ConfigError(
            source_of(("profile",)),
            f"names unknown profile '{config.profile}' (known: {known})",
            "profile",
        )
    updates = {
        name: getattr(profile, name)
        for name in PROFILE_FIELDS
        if getattr(profile, name) is not None
    }
    if "model_provider" in updates:
        provider_key = ("profiles", config.profile, "model_provider")
    return attrs.evolve(config, **updates), provider_key


def _effective_provider(provider: ModelProviderInfo, config: Config) -> ModelProviderInfo:
    """Apply top-level retry/timeout overrides and the default base URL."""
    updates: dict[str, Any] = {}
    for name in ("request_max_retries", "stream_max_retries", "stream_idle_timeout_ms"):
        value = getattr(config, name)
        if value is not None:
            updates[name] = value
    if provider.base_url is None:
        updates["base_url"] = DEFAULT_OPENAI_BASE_URL  # Codex's fallback, too
    return attrs.evolve(provider, **updates) if updates else provider


def _uses_auth_json(provider: ModelProviderInfo) -> bool:
    return provider.requires_openai_auth or provider.env_key == OPENAI_API_KEY_ENV


def _resolve_auth(
    provider: ModelProviderInfo, home: Path, env: Mapping[str, str], warnings: list[str]
) -> tuple[str | None, str]:
    """Find the API key: provider env var first, then ``auth.json`` for OpenAI auth."""
    if provider.env_key:
        value = env.get(provider.env_key, "").strip()
        if value:
            return value, f"env {provider.env_key}"
    if _uses_auth_json(provider):
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
