"""Tests for codex_lsp.config: loading, merging, validation, auth and helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.config import (
    Config,
    ConfigError,
    McpServerConfig,
    ModelProviderInfo,
    ShellEnvironmentPolicy,
    build_shell_env,
    codex_home,
    load_config,
    request_headers,
)
from codex_lsp.models.factory import endpoint_for

SECRET = "sk-test-secret-value-123"


def write_config(home: Path, text: str) -> Path:
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(home: Path, env: dict[str, str] | None = None, **kwargs: Any) -> Any:
    return load_config(home=home, env=env or {}, **kwargs)


# --- defaults and codex_home -----------------------------------------------------


def test_defaults_without_file(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    cfg = loaded.config
    assert cfg.model == "gpt-5.5"
    assert cfg.model_provider == "openai"
    assert cfg.approval_policy == "on-request"
    assert cfg.sandbox_mode == "read-only"
    assert cfg.project_doc_max_bytes == 32768
    assert cfg.approval_timeout_sec == 600
    assert cfg.max_turn_steps == 50
    assert cfg.mcp_servers == {}
    assert set(cfg.model_providers) == {"openai", "ollama", "lmstudio"}
    assert loaded.provider_id == "openai"
    assert loaded.provider.name == "OpenAI"
    assert loaded.provider.base_url == "https://api.openai.com/v1"
    assert loaded.provider.wire_api == "responses"
    assert loaded.provider.requires_openai_auth is True
    assert loaded.provider.request_max_retries == 4
    assert loaded.provider.stream_max_retries == 5
    assert loaded.provider.stream_idle_timeout_ms == 300000
    assert loaded.warnings == []
    assert loaded.config_file_found is False
    assert loaded.config_path == tmp_path / "config.toml"
    assert loaded.home == tmp_path


def test_builtin_local_providers(tmp_path: Path) -> None:
    ollama = load(tmp_path, overrides={"model_provider": "ollama"})
    assert ollama.provider.base_url == "http://localhost:11434/v1"
    assert ollama.provider.wire_api == "chat"
    assert ollama.api_key is None
    assert ollama.auth_source == "not required"
    assert ollama.missing_key_message() is None
    lmstudio = load(tmp_path, overrides={"model_provider": "lmstudio"})
    assert lmstudio.provider.base_url == "http://localhost:1234/v1"
    assert lmstudio.provider.wire_api == "chat"


def test_codex_home_resolution(tmp_path: Path) -> None:
    assert codex_home({"CODEX_HOME": str(tmp_path)}) == tmp_path
    assert codex_home({"HOME": "/home/u"}) == Path("/home/u/.codex")
    assert codex_home({"CODEX_HOME": "  ", "HOME": "/home/u"}) == Path("/home/u/.codex")


def test_load_uses_codex_home_from_env(tmp_path: Path) -> None:
    write_config(tmp_path, 'model = "from-home"\n')
    loaded = load_config(env={"CODEX_HOME": str(tmp_path)})
    assert loaded.config.model == "from-home"
    assert loaded.config_file_found is True


# --- full file, providers, profiles ----------------------------------------------

FULL = """
model = "gpt-4.1"
model_provider = "azure"
approval_policy = "untrusted"
sandbox_mode = "workspace-write"
project_doc_max_bytes = 1000
model_context_window = 200000
model_auto_compact_token_limit = 150000
model_reasoning_effort = "high"
approval_timeout_sec = 30
max_turn_steps = 12
stream_max_retries = 9

[sandbox_workspace_write]
writable_roots = ["/data"]
network_access = true

[shell_environment_policy]
inherit = "core"
exclude = ["AWS_*"]
set = { CI = "1" }

[model_providers.azure]
name = "Azure"
base_url = "https://example.openai.azure.com/openai/"
env_key = "AZURE_OPENAI_API_KEY"
query_params = { api-version = "2025-04-01-preview" }
http_headers = { "X-Static" = "yes" }
env_http_headers = { "X-Org" = "AZURE_ORG" }
request_max_retries = 2

[model_providers.local]
name = "Local"
base_url = "http://localhost:8000/v1"
wire_api = "chat"

[profiles.fast]
model = "gpt-4.1-mini"
approval_policy = "never"

[profiles.offline]
model = "qwen"
model_provider = "local"
sandbox_mode = "read-only"
model_reasoning_effort = "low"

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-server"]
env = { DEBUG = "1" }
tool_timeout_sec = 5
disabled_tools = ["delete"]

[mcp_servers.remote]
url = "https://mcp.example.com/mcp"
bearer_token_env_var = "MCP_TOKEN"
enabled = false
enabled_tools = ["search"]
"""


def test_full_file(tmp_path: Path) -> None:
    write_config(tmp_path, FULL)
    loaded = load(tmp_path, env={"AZURE_OPENAI_API_KEY": SECRET})
    cfg = loaded.config
    assert loaded.warnings == []
    assert loaded.config_file_found is True
    assert cfg.model == "gpt-4.1"
    assert cfg.approval_policy == "untrusted"
    assert cfg.sandbox_mode == "workspace-write"
    assert cfg.project_doc_max_bytes == 1000
    assert cfg.model_context_window == 200000
    assert cfg.model_auto_compact_token_limit == 150000
    assert cfg.model_reasoning_effort == "high"
    assert cfg.approval_timeout_sec == 30.0
    assert cfg.max_turn_steps == 12
    assert cfg.sandbox_workspace_write.writable_roots == ["/data"]
    assert cfg.sandbox_workspace_write.network_access is True
    assert cfg.shell_environment_policy.inherit == "core"
    assert cfg.shell_environment_policy.set == {"CI": "1"}

    assert loaded.provider_id == "azure"
    prov = loaded.provider
    assert prov.name == "Azure"
    assert prov.query_params == {"api-version": "2025-04-01-preview"}
    assert prov.request_max_retries == 2
    # Top-level override applies to the selected provider.
    assert prov.stream_max_retries == 9
    assert loaded.api_key == SECRET
    assert loaded.auth_source == "env AZURE_OPENAI_API_KEY"
    # Built-ins stay available next to user providers.
    assert {"openai", "ollama", "lmstudio", "azure", "local"} <= set(cfg.model_providers)

    docs = cfg.mcp_servers["docs"]
    assert docs.transport == "stdio"
    assert docs.args == ["-y", "docs-server"]
    assert docs.tool_timeout_sec == 5.0
    assert docs.startup_timeout_sec == 10.0
    assert docs.tool_allowed("read") and not docs.tool_allowed("delete")
    remote = cfg.mcp_servers["remote"]
    assert remote.transport == "http"
    assert remote.enabled is False
    assert remote.tool_allowed("search") and not remote.tool_allowed("other")


def test_profile_selected_in_file(tmp_path: Path) -> None:
    write_config(tmp_path, 'profile = "offline"\n' + FULL)
    loaded = load(tmp_path)
    assert loaded.config.profile == "offline"
    assert loaded.config.model == "qwen"
    assert loaded.config.sandbox_mode == "read-only"
    assert loaded.config.model_reasoning_effort == "low"
    # Unset profile fields keep the top-level value.
    assert loaded.config.approval_policy == "untrusted"
    assert loaded.provider_id == "local"
    assert loaded.provider.wire_api == "chat"
    assert loaded.auth_source == "not required"


def test_profile_selected_by_override_beats_top_level_override(tmp_path: Path) -> None:
    write_config(tmp_path, FULL)
    loaded = load(tmp_path, overrides={"profile": "fast", "approval_policy": "on-failure"})
    # Profile values override top-level ones, including overridden ones.
    assert loaded.config.approval_policy == "never"
    assert loaded.config.model == "gpt-4.1-mini"
    assert loaded.provider_id == "azure"


def test_unknown_profile_is_an_error(tmp_path: Path) -> None:
    write_config(tmp_path, FULL)
    with pytest.raises(ConfigError) as info:
        load(tmp_path, overrides={"profile": "nope"})
    err = info.value
    assert err.key == "profile"
    assert err.source == "initializationOptions"
    assert "unknown profile 'nope'" in str(err)
    assert "fast, offline" in str(err)


def test_unknown_provider_is_an_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'model_provider = "missing"\n')
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert info.value.key == "model_provider"
    assert info.value.source == str(path)
    assert "unknown provider 'missing'" in str(info.value)


def test_unknown_provider_from_profile_names_profile_key(tmp_path: Path) -> None:
    write_config(tmp_path, 'profile = "p"\n[profiles.p]\nmodel_provider = "ghost"\n')
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert info.value.key == "profiles.p.model_provider"


def test_partial_override_of_builtin_provider(tmp_path: Path) -> None:
    write_config(tmp_path, '[model_providers.openai]\nbase_url = "https://proxy.local/v1"\n')
    loaded = load(tmp_path, env={"OPENAI_API_KEY": SECRET})
    assert loaded.provider.base_url == "https://proxy.local/v1"
    assert loaded.provider.name == "OpenAI"
    assert loaded.provider.env_key == "OPENAI_API_KEY"


def test_openai_base_url_from_env_and_key(tmp_path: Path) -> None:
    loaded = load(tmp_path, env={"OPENAI_BASE_URL": "https://gw.example/v1"})
    assert loaded.provider.base_url == "https://gw.example/v1"
    write_config(tmp_path, 'openai_base_url = "https://cfg.example/v1"\n')
    loaded = load(tmp_path, env={"OPENAI_BASE_URL": "https://gw.example/v1"})
    assert loaded.provider.base_url == "https://cfg.example/v1"


def test_provider_without_base_url_falls_back_to_openai(tmp_path: Path) -> None:
    write_config(tmp_path, 'model_provider = "x"\n[model_providers.x]\nname = "X"\n')
    loaded = load(tmp_path)
    assert loaded.provider.base_url == "https://api.openai.com/v1"


# --- overrides -------------------------------------------------------------------


def test_overrides_beat_file(tmp_path: Path) -> None:
    write_config(tmp_path, FULL)
    loaded = load(
        tmp_path,
        overrides={
            "model": "o3",
            "sandbox_mode": "danger-full-access",
            "model_providers": {"azure": {"request_max_retries": 7}},
            "mcp_servers": {"docs": {"tool_timeout_sec": 99}},
        },
    )
    assert loaded.config.model == "o3"
    assert loaded.config.sandbox_mode == "danger-full-access"
    # Deep merge: sibling keys from the file survive.
    assert loaded.provider.request_max_retries == 7
    assert loaded.provider.name == "Azure"
    docs = loaded.config.mcp_servers["docs"]
    assert docs.tool_timeout_sec == 99
    assert docs.command == "npx"


def test_overrides_nested_under_codex_with_camel_case(tmp_path: Path) -> None:
    write_config(tmp_path, 'approval_policy = "untrusted"\nsandbox_mode = "read-only"\n')
    loaded = load(
        tmp_path,
        overrides={
            "codex": {
                "approvalPolicy": "never",
                "sandboxMode": "workspace-write",
                "modelProvider": "ollama",
                "model": None,  # null means "not set"
            },
            "otherTool": {"x": 1},  # siblings belong to other tools; ignored silently
        },
    )
    assert loaded.config.approval_policy == "never"
    assert loaded.config.sandbox_mode == "workspace-write"
    assert loaded.provider_id == "ollama"
    assert loaded.config.model == "gpt-5.5"
    assert loaded.warnings == []


def test_snake_case_beats_camel_case_alias(tmp_path: Path) -> None:
    loaded = load(tmp_path, overrides={"approvalPolicy": "never", "approval_policy": "untrusted"})
    assert loaded.config.approval_policy == "untrusted"


def test_override_errors_name_override_source(tmp_path: Path) -> None:
    write_config(tmp_path, 'sandbox_mode = "read-only"\n')
    with pytest.raises(ConfigError) as info:
        load(tmp_path, overrides={"codex": {"sandboxMode": "yolo"}}, override_source="didChange")
    err = info.value
    assert err.key == "sandbox_mode"
    assert err.source == "didChange"
    assert str(err) == (
        "didChange: 'sandbox_mode' must be one of read-only, workspace-write, "
        "danger-full-access (got 'yolo')"
    )


def test_overrides_must_be_an_object(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load(tmp_path, overrides=["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as info:
        load(tmp_path, overrides={"codex": "nope"})
    assert info.value.key == "codex"


# --- unknown keys ----------------------------------------------------------------


def test_unknown_keys_warn_and_are_ignored(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        """
foo = 1
[bar]
baz = 2
[model_providers.local]
name = "L"
colour = "red"
[mcp_servers.s]
command = "x"
tranport = "stdio"
[profiles.p]
modle = "typo"
[shell_environment_policy]
inherit_all = true
""",
    )
    loaded = load(tmp_path, overrides={"frobnicate": True})
    assert sorted(loaded.warnings) == sorted(
        [
            f"unknown key 'foo' in {path} ignored",
            f"unknown key 'bar' in {path} ignored",
            f"unknown key 'model_providers.local.colour' in {path} ignored",
            f"unknown key 'mcp_servers.s.tranport' in {path} ignored",
            f"unknown key 'profiles.p.modle' in {path} ignored",
            f"unknown key 'shell_environment_policy.inherit_all' in {path} ignored",
            "unknown key 'frobnicate' in initializationOptions ignored",
        ]
    )


def test_known_codex_keys_are_silently_accepted(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        """
model_verbosity = "low"
hide_agent_reasoning = true
check_for_update_on_startup = false
notify = ["notify-send"]
experimental_use_exec_command_tool = true
[tui]
notifications = true
[history]
persistence = "none"
[features]
web_search_request = true
[projects."/home/u/repo"]
trust_level = "trusted"
[profiles.p]
model_verbosity = "high"
[model_providers.openai]
supports_websockets = true
[mcp_servers.s]
command = "x"
required = true
""",
    )
    assert load(tmp_path).warnings == []


def test_unknown_key_with_dots_is_quoted(tmp_path: Path) -> None:
    write_config(tmp_path, '[model_providers."my.prov"]\nname = "M"\nodd = 1\n')
    (warning,) = load(tmp_path).warnings
    assert "'model_providers.\"my.prov\".odd'" in warning


# --- validation errors -----------------------------------------------------------


def test_wrong_type_names_key_and_file(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, '[model_providers.local]\nname = "Local"\nrequest_max_retries = "four"\n'
    )
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    err = info.value
    assert err.key == "model_providers.local.request_max_retries"
    assert err.source == str(path)
    assert str(err) == (
        f"{path}: 'model_providers.local.request_max_retries' must be an integer (got 'four')"
    )


def test_bad_enum(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'approval_policy = "sometimes"\n')
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert info.value.key == "approval_policy"
    assert str(info.value) == (
        f"{path}: 'approval_policy' must be one of untrusted, on-request, on-failure, never "
        "(got 'sometimes')"
    )


@pytest.mark.parametrize(
    ("toml", "key", "fragment"),
    [
        ("model = 5", "model", "must be a string (got 5)"),
        ("max_turn_steps = true", "max_turn_steps", "must be an integer (got true)"),
        ("max_turn_steps = 0", "max_turn_steps", "must be an integer >= 1 (got 0)"),
        ("approval_timeout_sec = -1", "approval_timeout_sec", "must be a number > 0"),
        ("mcp_servers = 3", "mcp_servers", "must be a table of tables (got 3)"),
        (
            '[sandbox_workspace_write]\nnetwork_access = "yes"',
            "sandbox_workspace_write.network_access",
            "must be true or false (got 'yes')",
        ),
        (
            '[mcp_servers.s]\ncommand = "x"\nargs = "abc"',
            "mcp_servers.s.args",
            "must be an array of strings (got 'abc')",
        ),
        (
            '[mcp_servers.s]\ncommand = "x"\nargs = ["a", 2]',
            "mcp_servers.s.args[1]",
            "must be a string (got 2)",
        ),
        (
            '[mcp_servers.s]\ncommand = "x"\nenv = { PORT = 8080 }',
            "mcp_servers.s.env.PORT",
            "must be a string (got 8080)",
        ),
        (
            '[model_providers.local]\nbase_url = "http://x"',
            "model_providers.local.name",
            "is required",
        ),
        (
            '[model_providers.local]\nname = "L"\nwire_api = "grpc"',
            "model_providers.local.wire_api",
            "must be one of responses, chat (got 'grpc')",
        ),
        (
            '[model_providers.local]\nname = "L"\nrequest_max_retries = -1',
            "model_providers.local.request_max_retries",
            "must be an integer >= 0 (got -1)",
        ),
        (
            '[shell_environment_policy]\ninherit = "some"',
            "shell_environment_policy.inherit",
            "must be one of all, core, none",
        ),
    ],
)
def test_type_errors(tmp_path: Path, toml: str, key: str, fragment: str) -> None:
    path = write_config(tmp_path, toml + "\n")
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert info.value.key == key
    assert info.value.source == str(path)
    assert fragment in str(info.value)


def test_all_problems_are_collected(tmp_path: Path) -> None:
    write_config(tmp_path, 'model = 1\napproval_policy = "x"\n')
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert "(and 1 more problem)" in str(info.value)
    assert len(info.value.problems) == 2
    assert any("'approval_policy'" in p for p in info.value.problems)


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'model = "ok"\napproval_policy = \n')
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert info.value.key is None
    assert info.value.source == str(path)
    assert "invalid TOML" in str(info.value)
    assert "line 2" in str(info.value)


# --- auth ------------------------------------------------------------------------


def test_auth_from_env_when_nothing_is_stored(tmp_path: Path) -> None:
    loaded = load(tmp_path, env={"OPENAI_API_KEY": f"  {SECRET}\n"})
    assert loaded.api_key == SECRET
    assert loaded.auth_source == "env OPENAI_API_KEY"
    assert loaded.auth_note == "no sign-in is stored, so the environment key is used"
    assert loaded.missing_key_message() is None


def test_stored_api_key_beats_the_environment_for_the_builtin_provider(tmp_path: Path) -> None:
    (tmp_path / "auth.json").write_text(json.dumps({"OPENAI_API_KEY": "sk-file"}))
    loaded = load(tmp_path, env={"OPENAI_API_KEY": SECRET})
    assert loaded.api_key == "sk-file"  # Codex's built-in provider reads auth.json, not the env
    assert loaded.auth_source == str(tmp_path / "auth.json")
    assert "OPENAI_API_KEY in the environment is ignored" in str(loaded.auth_note)


def test_exported_key_does_not_override_a_chatgpt_sign_in(tmp_path: Path) -> None:
    (tmp_path / "auth.json").write_text(
        json.dumps({"OPENAI_API_KEY": None, "tokens": {"id_token": "x", "access_token": "at-1"}})
    )
    loaded = load(tmp_path, env={"OPENAI_API_KEY": SECRET})
    assert loaded.api_key is None and loaded.uses_chatgpt and loaded.auth_mode == "chatgpt"
    note = str(loaded.auth_note)
    assert note.startswith("OPENAI_API_KEY in the environment is ignored because ")
    assert "holds a ChatGPT sign-in" in note and "codex-lsp logout" in note
    assert SECRET not in json.dumps(loaded.describe())
    assert loaded.describe()["auth_note"] == note


def test_forced_api_login_uses_the_environment_key_over_a_chatgpt_sign_in(
    tmp_path: Path,
) -> None:
    (tmp_path / "auth.json").write_text(
        json.dumps({"OPENAI_API_KEY": None, "tokens": {"id_token": "x", "access_token": "at-1"}})
    )
    write_config(tmp_path, 'forced_login_method = "api"\n')
    loaded = load(tmp_path, env={"OPENAI_API_KEY": SECRET})
    assert loaded.api_key == SECRET and loaded.auth_mode == "apikey"
    assert "forced_login_method" in str(loaded.auth_note)


def test_custom_provider_env_key_still_comes_first(tmp_path: Path) -> None:
    (tmp_path / "auth.json").write_text(json.dumps({"OPENAI_API_KEY": "sk-file"}))
    write_config(
        tmp_path,
        'model_provider = "proxy"\n[model_providers.proxy]\nname = "P"\n'
        'base_url = "https://p/v1"\nenv_key = "OPENAI_API_KEY"\n',
    )
    loaded = load(tmp_path, env={"OPENAI_API_KEY": SECRET})
    assert loaded.api_key == SECRET and loaded.auth_source == "env OPENAI_API_KEY"


def test_auth_from_auth_json(tmp_path: Path) -> None:
    auth = tmp_path / "auth.json"
    auth.write_text(json.dumps({"OPENAI_API_KEY": SECRET, "tokens": None}))
    loaded = load(tmp_path, env={"OPENAI_API_KEY": ""})
    assert loaded.api_key == SECRET
    assert loaded.auth_source == str(auth)


def test_auth_missing(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    assert loaded.api_key is None
    assert loaded.auth_source == "none"
    assert loaded.key_required
    assert loaded.missing_key_message() == (
        "Not signed in for provider 'openai': sign in with ChatGPT (`codex-lsp login`), "
        f"set OPENAI_API_KEY or add it to {tmp_path / 'auth.json'}"
    )


def test_malformed_auth_json_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "auth.json").write_text("{not json")
    loaded = load(tmp_path)
    assert loaded.api_key is None
    assert loaded.auth_source == "none"
    assert any("malformed" in w and "auth.json" in w for w in loaded.warnings)


def test_chatgpt_sign_in_is_used_by_the_openai_provider(tmp_path: Path) -> None:
    (tmp_path / "auth.json").write_text(
        json.dumps({"OPENAI_API_KEY": None, "tokens": {"id_token": "x", "access_token": "at-1"}})
    )
    loaded = load(tmp_path)
    assert loaded.api_key is None
    assert loaded.auth_mode == "chatgpt"
    assert loaded.missing_key_message() is None


def test_chatgpt_sign_in_without_tokens_is_not_signed_in(tmp_path: Path) -> None:
    (tmp_path / "auth.json").write_text(json.dumps({"OPENAI_API_KEY": None, "tokens": {}}))
    loaded = load(tmp_path)
    assert loaded.auth_mode is None
    assert "Not signed in" in str(loaded.missing_key_message())


def test_non_openai_provider_does_not_read_auth_json(tmp_path: Path) -> None:
    (tmp_path / "auth.json").write_text(json.dumps({"OPENAI_API_KEY": SECRET}))
    write_config(
        tmp_path,
        'model_provider = "m"\n[model_providers.m]\nname = "M"\nenv_key = "M_KEY"\n'
        'env_key_instructions = "Create one at https://m.example/keys"\n',
    )
    loaded = load(tmp_path)
    assert loaded.api_key is None
    assert loaded.auth_source == "none"
    assert loaded.missing_key_message() == (
        "No API key for provider 'm': set M_KEY. Create one at https://m.example/keys"
    )


def test_provider_reusing_openai_key_reads_auth_json(tmp_path: Path) -> None:
    (tmp_path / "auth.json").write_text(json.dumps({"OPENAI_API_KEY": SECRET}))
    write_config(
        tmp_path,
        'model_provider = "proxy"\n[model_providers.proxy]\nname = "P"\n'
        'base_url = "https://p/v1"\nenv_key = "OPENAI_API_KEY"\n',
    )
    loaded = load(tmp_path)
    assert loaded.api_key == SECRET


# --- request helpers -------------------------------------------------------------


def test_headers_and_url(tmp_path: Path) -> None:
    write_config(tmp_path, FULL)
    loaded = load(tmp_path, env={"AZURE_OPENAI_API_KEY": SECRET, "AZURE_ORG": "org-1"})
    assert request_headers(loaded) == {
        "Authorization": f"Bearer {SECRET}",
        "X-Static": "yes",
        "X-Org": "org-1",
    }
    assert endpoint_for(loaded).url("/responses") == (
        "https://example.openai.azure.com/openai/responses?api-version=2025-04-01-preview"
    )
    assert endpoint_for(loaded).url("/chat/completions").startswith(
        "https://example.openai.azure.com/openai/chat/completions?"
    )


def test_env_header_omitted_when_unset_and_no_key(tmp_path: Path) -> None:
    write_config(tmp_path, FULL)
    loaded = load(tmp_path, env={"AZURE_ORG": ""})
    assert request_headers(loaded) == {"X-Static": "yes"}


def test_static_header_can_replace_authorization(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        'model_provider = "g"\n[model_providers.g]\nname = "G"\nbase_url = "https://g/"\n'
        'env_key = "G_KEY"\nhttp_headers = { authorization = "Custom abc" }\n',
    )
    loaded = load(tmp_path, env={"G_KEY": SECRET})
    assert request_headers(loaded) == {"authorization": "Custom abc"}
    assert endpoint_for(loaded).url("/models") == "https://g/models"


def test_describe_never_contains_key(tmp_path: Path) -> None:
    write_config(tmp_path, FULL)
    loaded = load(tmp_path, env={"AZURE_OPENAI_API_KEY": SECRET, "AZURE_ORG": SECRET})
    summary = loaded.describe()
    text = json.dumps(summary)  # must be JSON-safe
    assert SECRET not in text
    assert SECRET not in repr(loaded)
    assert summary["api_key_present"] is True
    assert summary["auth_source"] == "env AZURE_OPENAI_API_KEY"
    assert summary["model"] == "gpt-4.1"
    assert summary["provider"] == {
        "id": "azure",
        "name": "Azure",
        "base_url": "https://example.openai.azure.com/openai/",
        "wire_api": "responses",
    }
    assert summary["approval_policy"] == "untrusted"
    assert summary["sandbox_mode"] == "workspace-write"
    assert summary["profile"] is None
    assert summary["config_path"] == str(tmp_path / "config.toml")
    assert summary["mcp_servers"] == ["docs", "remote"]


def test_describe_without_key(tmp_path: Path) -> None:
    summary = load(tmp_path).describe()
    assert summary["api_key_present"] is False
    assert summary["auth_source"] == "none"


# --- shell environment policy ----------------------------------------------------

BASE_ENV = {
    "HOME": "/home/u",
    "PATH": "/bin",
    "USER": "u",
    "OPENAI_API_KEY": "k",
    "github_token": "t",
    "MY_SECRET_THING": "s",
    "AWS_REGION": "eu",
    "LANG": "C",
}


def test_shell_env_inherit_all_drops_secrets_by_default() -> None:
    env = build_shell_env(ShellEnvironmentPolicy(), BASE_ENV)
    assert env == {"HOME": "/home/u", "PATH": "/bin", "USER": "u", "AWS_REGION": "eu", "LANG": "C"}


def test_shell_env_ignore_default_excludes() -> None:
    env = build_shell_env(ShellEnvironmentPolicy(ignore_default_excludes=True), BASE_ENV)
    assert env == BASE_ENV


def test_shell_env_core_and_none() -> None:
    core = build_shell_env(ShellEnvironmentPolicy(inherit="core"), BASE_ENV)
    assert core == {"HOME": "/home/u", "PATH": "/bin", "USER": "u"}
    assert build_shell_env(ShellEnvironmentPolicy(inherit="none"), BASE_ENV) == {}


def test_shell_env_exclude_set_include_only_order() -> None:
    policy = ShellEnvironmentPolicy(
        exclude=["aws_*", "LANG"],  # case-insensitive globs
        set={"MY_TOKEN": "explicit", "CI": "1"},  # set re-adds even excluded-looking names
        include_only=["PATH", "*TOKEN*", "CI"],
    )
    env = build_shell_env(policy, BASE_ENV)
    assert env == {"PATH": "/bin", "MY_TOKEN": "explicit", "CI": "1"}


def test_shell_env_policy_from_toml(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        '[shell_environment_policy]\ninherit = "none"\nset = { A = "1" }\n'
        'ignore_default_excludes = true\ninclude_only = ["A"]\n',
    )
    policy = load(tmp_path).config.shell_environment_policy
    assert build_shell_env(policy, BASE_ENV) == {"A": "1"}


# --- MCP server validation -------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "fragment"),
    [
        ("enabled = true", "mcp_servers.s", "it has neither"),
        ('command = "x"\nurl = "http://u"', "mcp_servers.s", "it has both"),
        ('url = "http://u"\nargs = ["a"]', "mcp_servers.s.args", "only valid for stdio"),
        ('url = "http://u"\ncwd = "/tmp"', "mcp_servers.s.cwd", "only valid for stdio"),
        (
            'command = "x"\nbearer_token_env_var = "T"',
            "mcp_servers.s.bearer_token_env_var",
            "only valid for HTTP",
        ),
        ('command = "x"\nstartup_timeout_sec = 0', "mcp_servers.s.startup_timeout_sec", "> 0"),
        ('command = "x"\nenabled_tools = "a"', "mcp_servers.s.enabled_tools", "array of strings"),
    ],
)
def test_mcp_server_validation(tmp_path: Path, table: str, key: str, fragment: str) -> None:
    write_config(tmp_path, f"[mcp_servers.s]\n{table}\n")
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert info.value.key == key
    assert fragment in str(info.value)


def test_mcp_server_direct_construction_validates() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        McpServerConfig()
    assert McpServerConfig(url="http://u").transport == "http"


def test_mcp_startup_timeout_ms_alias(tmp_path: Path) -> None:
    write_config(tmp_path, '[mcp_servers.s]\ncommand = "x"\nstartup_timeout_ms = 2500\n')
    loaded = load(tmp_path)
    assert loaded.config.mcp_servers["s"].startup_timeout_sec == 2.5
    assert loaded.warnings == []


# --- misc ------------------------------------------------------------------------


def test_model_classes_are_frozen() -> None:
    cfg = Config()
    with pytest.raises(AttributeError):
        cfg.model = "x"  # type: ignore[misc]
    assert ModelProviderInfo(name="x").wire_api == "responses"
