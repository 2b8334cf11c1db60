"""Codex-compatible configuration: ``~/.codex/config.toml`` plus LSP overrides.

This package is deliberately free of LSP imports so the CLI (``codex-lsp
check``), the agent and the tests can load configuration without a server.
"""

from __future__ import annotations

from codex_lsp.config.intel import CodeIntelConfig, LspServerConfig
from codex_lsp.config.loader import (
    AUTH_FILE_NAME,
    CONFIG_FILE_NAME,
    KNOWN_UNUSED_KEYS,
    ConfigError,
    LoadedConfig,
    codex_home,
    load_config,
    request_headers,
)
from codex_lsp.config.model import (
    APPROVAL_POLICIES,
    BUILTIN_PROVIDER_TABLES,
    CORE_ENV_VARS,
    DEFAULT_EXCLUDE_PATTERNS,
    DEFAULT_OPENAI_BASE_URL,
    SANDBOX_MODES,
    WIRE_APIS,
    ApprovalPolicy,
    Config,
    InlineCompletionConfig,
    McpServerConfig,
    ModelProviderInfo,
    Profile,
    SandboxMode,
    SandboxWorkspaceWrite,
    ShellEnvironmentPolicy,
    ShellInherit,
    WireApi,
    build_shell_env,
    builtin_provider_tables,
)

__all__ = [
    "APPROVAL_POLICIES",
    "AUTH_FILE_NAME",
    "BUILTIN_PROVIDER_TABLES",
    "CONFIG_FILE_NAME",
    "CORE_ENV_VARS",
    "DEFAULT_EXCLUDE_PATTERNS",
    "DEFAULT_OPENAI_BASE_URL",
    "KNOWN_UNUSED_KEYS",
    "SANDBOX_MODES",
    "WIRE_APIS",
    "ApprovalPolicy",
    "CodeIntelConfig",
    "Config",
    "ConfigError",
    "InlineCompletionConfig",
    "LoadedConfig",
    "LspServerConfig",
    "McpServerConfig",
    "ModelProviderInfo",
    "Profile",
    "SandboxMode",
    "SandboxWorkspaceWrite",
    "ShellEnvironmentPolicy",
    "ShellInherit",
    "WireApi",
    "build_shell_env",
    "builtin_provider_tables",
    "codex_home",
    "load_config",
    "request_headers",
]
