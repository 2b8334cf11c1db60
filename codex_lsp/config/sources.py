"""Read and layer the raw sources of configuration: the TOML file and LSP overrides.

Everything here works on plain dicts, before structuring, so the loader can
blame the right source for a bad value (see `depth_present`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from codex_lsp.config._structure import PathPart, describe_value
from codex_lsp.config.errors import ConfigError
from codex_lsp.config.model import Config, builtin_provider_tables

_CONFIG_FIELDS: frozenset[str] = frozenset(a.name for a in attrs.fields(Config))
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def read_toml(path: Path) -> tuple[dict[str, Any], bool]:
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


def normalize_overrides(overrides: Mapping[str, Any] | None, source: str) -> dict[str, Any]:
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


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Merge tables recursively; any non-table value in ``over`` replaces the base value."""
    out = dict(base)
    for key, value in over.items():
        current = out.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            out[key] = deep_merge(current, value)
        else:
            out[key] = value
    return out


def prepare(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
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
                tables[pid] = deep_merge(base, table)
            else:
                tables[pid] = table
        raw = {**raw, "model_providers": tables}

    workspaces = raw.get("forced_chatgpt_workspace_id")
    if isinstance(workspaces, str):  # Codex takes one id or a list of them
        raw = {**raw, "forced_chatgpt_workspace_id": [workspaces]}

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


def depth_present(raw: Mapping[str, Any], path: tuple[PathPart, ...]) -> int:
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
