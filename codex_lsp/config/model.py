"""Typed configuration classes mirroring OpenAI Codex CLI's ``config.toml``.

Key names are Codex's own snake_case TOML keys so an existing
``~/.codex/config.toml`` works unchanged. Only the keys codex-lsp acts on are
modelled; the loader ignores (and, where useful, warns about) the rest. The
classes are frozen so a loaded configuration can be shared across the server
without defensive copies; a reload produces a new object.
"""

from __future__ import annotations

import fnmatch
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import attrs

from codex_lsp.config._structure import InvalidValue
from codex_lsp.config.intel import CodeIntelConfig, LspServerConfig
from codex_lsp.config.tools_section import ToolsConfig

ApprovalPolicy = Literal["untrusted", "on-request", "on-failure", "never"]
SandboxMode = Literal["read-only", "workspace-write", "danger-full-access"]
WireApi = Literal["responses", "chat"]
ShellInherit = Literal["all", "core", "none"]
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]
ReasoningSummary = Literal["auto", "concise", "detailed", "none"]
Verbosity = Literal["low", "medium", "high"]
ApplyPatchToolType = Literal["freeform", "function"]
CredentialsStore = Literal["file", "keyring", "auto"]
WebSearchMode = Literal["disabled", "cached", "live"]
LoginMethod = Literal["chatgpt", "api"]

#: Allowed values, in Codex's documented order (for messages and UIs).
APPROVAL_POLICIES: tuple[str, ...] = typing.get_args(ApprovalPolicy)
SANDBOX_MODES: tuple[str, ...] = typing.get_args(SandboxMode)
WIRE_APIS: tuple[str, ...] = typing.get_args(WireApi)

DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
OPENAI_PROVIDER_ID = "openai"


def _at_least(minimum: float) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Range validator whose error names the field, so the loader can cite the key."""

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and value < minimum:
            what = "an integer" if isinstance(value, int) else "a number"
            bound = int(minimum) if float(minimum).is_integer() else minimum
            raise InvalidValue.expected(f"{what} >= {bound}", value, attribute.name)

    return check


def _above_zero(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Timeouts of zero would make every request fail instantly."""
    if value is not None and value <= 0:
        raise InvalidValue.expected("a number > 0", value, attribute.name)


@attrs.define(frozen=True)
class ModelProviderInfo:
    """One ``[model_providers.<id>]`` entry: where and how to call a model API."""

    #: Human-readable provider name, shown in status output.
    name: str
    #: API root, e.g. ``https://api.openai.com/v1``; request paths are appended to it.
    base_url: str | None = None
    #: Environment variable that holds the API key (``None``: no key needed).
    env_key: str | None = None
    #: Extra hint shown when the key is missing (e.g. where to create one).
    env_key_instructions: str | None = None
    #: ``responses`` for the OpenAI Responses API, ``chat`` for Chat Completions.
    wire_api: WireApi = "responses"
    #: Query parameters added to every request (e.g. Azure's ``api-version``).
    query_params: dict[str, str] = attrs.field(factory=dict)
    #: Static headers added to every request.
    http_headers: dict[str, str] = attrs.field(factory=dict)
    #: Header name -> environment variable; the header is sent only when the variable is set.
    env_http_headers: dict[str, str] = attrs.field(factory=dict)
    #: Retries for a failed HTTP request before giving up.
    request_max_retries: int = attrs.field(default=4, validator=_at_least(0))
    #: Reconnect attempts for a dropped streaming response.
    stream_max_retries: int = attrs.field(default=5, validator=_at_least(0))
    #: Idle time (ms) on a stream before it is treated as lost.
    stream_idle_timeout_ms: int = attrs.field(default=300_000, validator=_above_zero)
    #: Whether the key may come from ``auth.json`` (OpenAI login), not just ``env_key``.
    requires_openai_auth: bool = False


#: Built-in providers as raw TOML-shaped tables, so user entries can be deep-merged
#: over them field by field (``[model_providers.openai] base_url = ...`` is enough).
BUILTIN_PROVIDER_TABLES: Mapping[str, Mapping[str, Any]] = {
    OPENAI_PROVIDER_ID: {
        "name": "OpenAI",
        "base_url": DEFAULT_OPENAI_BASE_URL,
        "env_key": "OPENAI_API_KEY",
        "wire_api": "responses",
        "requires_openai_auth": True,
    },
    "ollama": {
        "name": "Ollama",
        "base_url": "http://localhost:11434/v1",
        "wire_api": "chat",
    },
    "lmstudio": {
        "name": "LM Studio",
        "base_url": "http://localhost:1234/v1",
        "wire_api": "chat",
    },
}


def builtin_provider_tables(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Built-in provider tables with environment tweaks applied.

    ``OPENAI_BASE_URL`` redirects the built-in ``openai`` provider (proxies,
    gateways) exactly as it does for Codex CLI.
    """
    tables = {pid: dict(table) for pid, table in BUILTIN_PROVIDER_TABLES.items()}
    env_base = env.get("OPENAI_BASE_URL", "").strip()
    if env_base:
        tables[OPENAI_PROVIDER_ID]["base_url"] = env_base
    return tables


@attrs.define(frozen=True)
class McpServerConfig:
    """One ``[mcp_servers.<id>]`` entry: a stdio (``command``) or HTTP (``url``) MCP server."""

    #: Executable to launch for a stdio server.
    command: str | None = None
    #: Arguments for ``command``.
    args: list[str] = attrs.field(factory=list)
    #: Extra environment variables for the launched process.
    env: dict[str, str] = attrs.field(factory=dict)
    #: Working directory for the launched process.
    cwd: str | None = None
    #: Endpoint of a streamable-HTTP server.
    url: str | None = None
    #: Environment variable holding a bearer token for the HTTP server.
    bearer_token_env_var: str | None = None
    #: Static headers for the HTTP server.
    http_headers: dict[str, str] = attrs.field(factory=dict)
    #: Seconds to wait for the server to initialize and list its tools.
    startup_timeout_sec: float = attrs.field(default=10.0, validator=_above_zero)
    #: Seconds to wait for a single tool call.
    tool_timeout_sec: float = attrs.field(default=60.0, validator=_above_zero)
    #: ``false`` keeps the entry in the file without starting the server.
    enabled: bool = True
    #: Allow-list of tool names (``None``: all tools).
    enabled_tools: list[str] | None = None
    #: Tool names to hide, applied after ``enabled_tools``.
    disabled_tools: list[str] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        """Reject ambiguous entries up front rather than guessing a transport."""
        if self.command is None and self.url is None:
            raise InvalidValue(
                "needs exactly one of 'command' (stdio server) or 'url' (HTTP server); "
                "it has neither"
            )
        if self.command is not None and self.url is not None:
            raise InvalidValue(
                "needs exactly one of 'command' (stdio server) or 'url' (HTTP server); it has both"
            )
        if self.url is not None:
            for name in ("args", "env", "cwd"):
                if getattr(self, name):
                    raise InvalidValue(
                        "is only valid for stdio servers (with 'command'), not with 'url'",
                        name,
                    )
        else:
            for name in ("bearer_token_env_var", "http_headers"):
                if getattr(self, name):
                    raise InvalidValue(
                        "is only valid for HTTP servers (with 'url'), not with 'command'",
                        name,
                    )

    @property
    def transport(self) -> Literal["stdio", "http"]:
        """Which client to start; derived so the two can never disagree."""
        return "stdio" if self.command is not None else "http"

    def tool_allowed(self, tool: str) -> bool:
        """Apply ``enabled_tools`` then ``disabled_tools``, as Codex does."""
        if self.enabled_tools is not None and tool not in self.enabled_tools:
            return False
        return tool not in self.disabled_tools


@attrs.define(frozen=True)
class ShellEnvironmentPolicy:
    """``[shell_environment_policy]``: which environment variables commands see."""

    #: Starting point: the full environment, a core set, or nothing.
    inherit: ShellInherit = "all"
    #: ``true`` keeps variables whose names contain KEY, SECRET or TOKEN.
    ignore_default_excludes: bool = False
    #: Case-insensitive glob patterns of variable names to drop.
    exclude: list[str] = attrs.field(factory=list)
    #: Variables to set (after excludes, so they always apply).
    set: dict[str, str] = attrs.field(factory=dict)
    #: If non-empty, keep only names matching one of these globs (applied last).
    include_only: list[str] = attrs.field(factory=list)


#: Variables kept by ``inherit = "core"``.
CORE_ENV_VARS: frozenset[str] = frozenset(
    {"HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP"}
)
#: Name patterns dropped unless ``ignore_default_excludes`` (credentials, mostly).
DEFAULT_EXCLUDE_PATTERNS: tuple[str, ...] = ("*KEY*", "*SECRET*", "*TOKEN*")


def _matches_any(name: str, patterns: Iterable[str]) -> bool:
    """Case-insensitive glob match: env var casing varies across platforms."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


def build_shell_env(policy: ShellEnvironmentPolicy, base_env: Mapping[str, str]) -> dict[str, str]:
    """Compute the environment for spawned commands, in Codex's order.

    inherit -> default excludes -> ``exclude`` -> ``set`` -> ``include_only``.
    The order matters: ``set`` can re-add an excluded name, but ``include_only``
    still has the final word.
    """
    if policy.inherit == "all":
        env = dict(base_env)
    elif policy.inherit == "core":
        env = {k: v for k, v in base_env.items() if k.upper() in CORE_ENV_VARS}
    else:
        env = {}
    if not policy.ignore_default_excludes:
        env = {k: v for k, v in env.items() if not _matches_any(k, DEFAULT_EXCLUDE_PATTERNS)}
    if policy.exclude:
        env = {k: v for k, v in env.items() if not _matches_any(k, policy.exclude)}
    env.update(policy.set)
    if policy.include_only:
        env = {k: v for k, v in env.items() if _matches_any(k, policy.include_only)}
    return env


@attrs.define(frozen=True)
class SandboxWorkspaceWrite:
    """``[sandbox_workspace_write]``: extra knobs for ``sandbox_mode = "workspace-write"``."""

    #: Directories writable in addition to the workspace.
    writable_roots: list[str] = attrs.field(factory=list)
    #: Allow outbound network from sandboxed commands.
    network_access: bool = False
    #: Do not make ``$TMPDIR`` writable.
    exclude_tmpdir_env_var: bool = False
    #: Do not make ``/tmp`` writable.
    exclude_slash_tmp: bool = False


@attrs.define(frozen=True)
class InlineCompletionConfig:
    """``[inline_completion]``: ghost text (off by default: every keystroke pause costs tokens)."""

    #: Answer ``textDocument/inlineCompletion`` (and advertise it at ``initialize``).
    enabled: bool = False
    #: Model for completions (``None``: the top-level ``model``).
    model: str | None = None
    #: Provider id of an OpenAI-compatible ``/completions`` FIM endpoint (``prompt`` +
    #: ``suffix``: llama.cpp server, Ollama, vLLM). ``None``: a chat/Responses prompt.
    provider: str | None = None
    #: Quiet time (ms) after a keystroke before the model is asked.
    debounce_ms: int = attrs.field(default=75, validator=_at_least(0))
    #: Output cap of one completion (tokens).
    max_tokens: int = attrs.field(default=128, validator=_at_least(1))
    #: Most lines one completion may insert.
    max_lines: int = attrs.field(default=8, validator=_at_least(1))
    #: Language ids to complete in (empty: every language not in ``disabled_languages``).
    languages: list[str] = attrs.field(factory=list)
    #: Language ids never completed (e.g. ``markdown``, ``plaintext``).
    disabled_languages: list[str] = attrs.field(factory=list)
    #: Budget (estimated tokens) for the prefix, suffix and neighbouring open buffers.
    context_tokens: int = attrs.field(default=2048, validator=_at_least(64))

    def allows(self, language: str) -> bool:
        """Whether ``language`` gets completions under the enable lists."""
        if language in self.disabled_languages:
            return False
        return not self.languages or language in self.languages


@attrs.define(frozen=True)
class Profile:
    """``[profiles.<name>]``: a named bundle of overrides selected by ``profile``."""

    #: Model to use instead of the top-level ``model``.
    model: str | None = None
    #: Provider id to use instead of the top-level ``model_provider``.
    model_provider: str | None = None
    #: Approval policy override.
    approval_policy: ApprovalPolicy | None = None
    #: Sandbox mode override.
    sandbox_mode: SandboxMode | None = None
    #: Reasoning effort override.
    model_reasoning_effort: ReasoningEffort | None = None
    #: Reasoning summary override.
    model_reasoning_summary: ReasoningSummary | None = None
    #: Verbosity override.
    model_verbosity: Verbosity | None = None
    #: Service tier override.
    service_tier: str | None = None
    #: Web search override (``disabled``, ``cached``, ``live``).
    web_search: WebSearchMode | None = None


#: Profile fields that override same-named top-level ``Config`` fields.
PROFILE_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(Profile))


@attrs.define(frozen=True)
class Config:
    """The top level of ``config.toml`` (after overrides; before profile resolution)."""

    #: Model name sent to the provider.
    model: str = "gpt-5.5"
    #: Id of the provider in ``model_providers`` to use.
    model_provider: str = OPENAI_PROVIDER_ID
    #: All providers: built-ins merged with user ``[model_providers.<id>]`` tables
    #: (filled by the loader; empty when structured directly).
    model_providers: dict[str, ModelProviderInfo] = attrs.field(factory=dict)
    #: When to ask the user before running commands or applying edits.
    approval_policy: ApprovalPolicy = "on-request"
    #: What spawned commands may touch.
    sandbox_mode: SandboxMode = "read-only"
    #: Settings for ``workspace-write`` mode.
    sandbox_workspace_write: SandboxWorkspaceWrite = attrs.field(factory=SandboxWorkspaceWrite)
    #: Environment given to spawned commands.
    shell_environment_policy: ShellEnvironmentPolicy = attrs.field(factory=ShellEnvironmentPolicy)
    #: Name of the entry in ``profiles`` to apply.
    profile: str | None = None
    #: Named override bundles.
    profiles: dict[str, Profile] = attrs.field(factory=dict)
    #: MCP servers whose tools the agent may call.
    mcp_servers: dict[str, McpServerConfig] = attrs.field(factory=dict)
    #: Maximum bytes of AGENTS.md project docs to include in the prompt.
    project_doc_max_bytes: int = attrs.field(default=32768, validator=_at_least(0))
    #: Model context window in tokens (``None``: use the model's known size).
    model_context_window: int | None = attrs.field(default=None, validator=_at_least(1))
    #: Token count that triggers history compaction (``None``: derived from the window).
    model_auto_compact_token_limit: int | None = attrs.field(default=None, validator=_at_least(1))
    #: Reasoning effort for reasoning models (``None``: ``medium`` when reasoning is on).
    model_reasoning_effort: ReasoningEffort | None = None
    #: Reasoning summary the model streams while it thinks (``None``: ``auto``).
    model_reasoning_summary: ReasoningSummary | None = None
    #: ``text.verbosity`` of the answer (Responses API; ``None``: the model's default).
    model_verbosity: Verbosity | None = None
    #: Force reasoning (and its summaries) on or off (``None``: by model family).
    model_supports_reasoning_summaries: bool | None = None
    #: Responses ``service_tier`` (e.g. ``flex``, ``priority``; ``None``: not sent).
    service_tier: str | None = None
    #: How ``apply_patch`` is declared (``None``: freeform for the gpt-5 family).
    apply_patch_tool_type: ApplyPatchToolType | None = None
    #: Output cap for Chat Completions providers (``max_tokens``; ``None``: 8192).
    model_max_output_tokens: int | None = attrs.field(default=None, validator=_at_least(1))
    #: Seconds to wait for the user to answer an approval request before declining.
    approval_timeout_sec: float = attrs.field(default=600.0, validator=_above_zero)
    #: Cap on model round trips per turn, so a looping agent cannot run forever.
    max_turn_steps: int = attrs.field(default=50, validator=_at_least(1))
    #: Override of the selected provider's ``request_max_retries`` (``None``: provider's).
    request_max_retries: int | None = attrs.field(default=None, validator=_at_least(0))
    #: Override of the selected provider's ``stream_max_retries`` (``None``: provider's).
    stream_max_retries: int | None = attrs.field(default=None, validator=_at_least(0))
    #: Override of the selected provider's ``stream_idle_timeout_ms`` (``None``: provider's).
    stream_idle_timeout_ms: int | None = attrs.field(default=None, validator=_above_zero)
    #: Codex's base URL override for the built-in ``openai`` provider (both auth modes).
    openai_base_url: str | None = None
    #: Where the sign-in is stored: ``auth.json``, the OS keyring, or keyring then file.
    cli_auth_credentials_store: CredentialsStore = "file"
    #: Allow only this sign-in method (``chatgpt`` or ``api``).
    forced_login_method: LoginMethod | None = None
    #: Allow only ChatGPT sign-ins to these workspaces (account ids; a string or a list).
    forced_chatgpt_workspace_id: list[str] | None = None
    #: A file whose text replaces the built-in base instructions.
    model_instructions_file: str | None = None
    #: The built-in ``web_search`` tool (OpenAI provider, Responses wire): ``disabled``,
    #: ``cached`` (no live fetches) or ``live`` (``None``: as the ``features`` say, else cached).
    web_search: WebSearchMode | None = None
    #: ``[tools]``: the built-in search's options (``[tools.web_search]``).
    tools: ToolsConfig = attrs.field(factory=ToolsConfig)
    #: Codex's feature flags; only ``web_search_request`` / ``web_search_cached`` are read.
    features: dict[str, Any] = attrs.field(factory=dict)
    #: Inline completions (ghost text).
    inline_completion: InlineCompletionConfig = attrs.field(factory=InlineCompletionConfig)
    #: Language servers codex-lsp starts itself (editors without our plugin).
    lsp_servers: dict[str, LspServerConfig] = attrs.field(factory=dict)
    #: Diagnostics after edits and the ``lsp_*`` query tools.
    code_intel: CodeIntelConfig = attrs.field(factory=CodeIntelConfig)
