"""Which keys of a Codex config we model, tolerate or warn about.

Codex has many keys that are valid there but have no effect in codex-lsp; they
are data here, apart from the loader, so a shared ``config.toml`` never produces
noise and adding one is a one-line change.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import attrs

from codex_lsp.config._structure import PathPart
from codex_lsp.config.model import (
    Config,
    McpServerConfig,
    ModelProviderInfo,
    Profile,
    ShellEnvironmentPolicy,
)
from codex_lsp.config.tools_section import ToolsConfig

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
            "compact_prompt",
            "debug",
            "default_permissions",
            "desktop",
            "developer_instructions",
            "disable_paste_burst",
            "disable_response_storage",
            "feedback",
            "file_opener",
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
            "model_reasoning_summary_format",
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
            "show_raw_agent_reasoning",
            "skills",
            "sqlite",
            "sqlite_home",
            "suppress_unstable_features_warning",
            "tool_output_token_limit",
            "tool_suggest",
            "tui",
            "use_experimental_streamable_shell_tool",
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
            "model_reasoning_summary_format",
            "oss_provider",
            "personality",
            "plan_mode_reasoning_effort",
            "tools",
            "tools_view_image",
            "tools_web_search",
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
    ToolsConfig: frozenset({"view_image"}),
}

#: Sections where Codex's many ``experimental_*`` keys are tolerated silently.
_EXPERIMENTAL_OK: frozenset[type] = frozenset({Config, Profile})


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


def unknown_keys(
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
            yield from unknown_keys(tp, value, here)
        elif typing.get_origin(tp) is dict and isinstance(value, Mapping):
            item_tp = typing.get_args(tp)[1]
            if attrs.has(item_tp):
                for name, item in value.items():
                    if isinstance(item, Mapping):
                        yield from unknown_keys(item_tp, item, (*here, name))
