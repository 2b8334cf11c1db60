"""Codex 0.169's request shape for the OpenAI provider, and Codex's identity on every request.

Bodies go over real HTTP to the scripted server (which decodes zstd as OpenAI's backend does);
the identity headers are checked on model, refresh and revoke requests.
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.agent.context import environment_context, permissions_message, turn_extras
from codex_lsp.auth.account import AuthSettings
from codex_lsp.auth.claims import AUTH_CLAIM
from codex_lsp.auth.logout import revoke
from codex_lsp.auth.manager import AuthManager
from codex_lsp.auth.refresh import request_refresh
from codex_lsp.config import load_config
from codex_lsp.core.items import user_message
from codex_lsp.core.workspace import Workspace
from codex_lsp.models.base import ModelRequest
from codex_lsp.models.factory import endpoint_for
from codex_lsp.models.family import uses_codex_envelope, wire_options
from codex_lsp.models.identity import (
    CODEX_WIRE_VERSION,
    editor_name,
    os_description,
    request_headers,
    user_agent,
)
from codex_lsp.models.responses import ResponsesClient, build_body
from tests.support.chatgpt_auth import ScriptedAuthority, codex_auth_json, make_jwt
from tests.support.model_server import Reply, ScriptedModelServer, Text
from tests.unit.test_chat_client import endpoint

PROMPT = "You are a test agent."


def envelope_request() -> ModelRequest:
    return ModelRequest(
        model="gpt-5.5",
        instructions=PROMPT,
        input=[user_message("say hi")],
        context=[
            permissions_message("read-only", "on-request", network=False),
            environment_context(Path("/w"), [Path("/w")], datetime.date(2026, 1, 2)),
        ],
        metadata={"session_id": "t1", "thread_id": "t1", "turn_id": "u1"},
        parallel_tool_calls=True,
        verbosity="low",
        reasoning_effort="medium",
    )


def test_envelope_has_no_instructions_and_leads_with_developer_messages() -> None:
    body = build_body(envelope_request(), envelope=True)
    assert "instructions" not in body
    roles = [(item["type"], item["role"]) for item in body["input"]]
    assert roles == [
        ("message", "developer"),
        ("message", "developer"),
        ("message", "user"),
        ("message", "user"),
    ]
    assert body["input"][0]["content"][0]["text"] == PROMPT
    assert body["input"][1]["content"][0]["text"].startswith("<permissions instructions>")
    env = body["input"][2]["content"][0]["text"]
    assert env.startswith("<environment_context>\n  <cwd>/w</cwd>\n  <shell>")
    assert "<current_date>2026-01-02</current_date>" in env
    assert "<workspace_roots><root>/w</root></workspace_roots>" in env
    assert body["client_metadata"] == {"session_id": "t1", "thread_id": "t1", "turn_id": "u1"}
    assert body["parallel_tool_calls"] is True and body["text"] == {"verbosity": "low"}


def test_other_providers_keep_instructions_and_get_no_context() -> None:
    body = build_body(envelope_request(), envelope=False)
    assert body["instructions"] == PROMPT
    assert [item["role"] for item in body["input"]] == ["user"]
    assert "client_metadata" not in body


def test_environment_context_escapes_paths() -> None:
    item = environment_context(Path("/a<b>&c"), [Path("/a<b>&c")], datetime.date(2026, 1, 2))
    text = item["content"][0]["text"]
    assert "<cwd>/a&lt;b&gt;&amp;c</cwd>" in text


@pytest.mark.parametrize(
    ("provider", "envelope"), [("openai", True), ("ollama", False), ("local-chat", False)]
)
def test_envelope_only_for_the_openai_provider_on_responses(
    tmp_path: Path, provider: str, envelope: bool
) -> None:
    (tmp_path / "config.toml").write_text(
        '[model_providers.local-chat]\nname = "c"\nbase_url = "http://127.0.0.1:1/v1"\n'
        'wire_api = "chat"\n'
    )
    overrides: dict[str, Any] = {"model": "gpt-5.5", "model_provider": provider}
    loaded = load_config(home=tmp_path, env={"OPENAI_API_KEY": "k"}, overrides=overrides)
    assert uses_codex_envelope(loaded) is envelope
    assert endpoint_for(loaded).codex_envelope is envelope
    options = wire_options(loaded)
    assert options.parallel_tool_calls is envelope
    if loaded.provider.wire_api == "responses":
        assert options.verbosity == ("low" if envelope else None)


def test_turn_extras_follow_the_sandbox_and_roots(tmp_path: Path) -> None:
    overrides = {"sandbox_mode": "workspace-write", "approval_policy": "never"}
    loaded = load_config(home=tmp_path, env={"OPENAI_API_KEY": "k"}, overrides=overrides)
    workspace = Workspace([tmp_path / "a", tmp_path / "b"])
    context, metadata = turn_extras(loaded, workspace, "thread-1")
    permissions = context[0]["content"][0]["text"]
    assert "`sandbox_mode` is `workspace-write`" in permissions
    assert "Approval policy is currently never." in permissions
    assert f"<root>{workspace.roots[1]}</root>" in context[1]["content"][0]["text"]
    assert metadata["thread_id"] == "thread-1" and metadata["turn_id"] == metadata["root_turn_id"]


async def test_zstd_body_reaches_the_server_intact() -> None:
    with ScriptedModelServer() as server:
        server.script(Reply([Text("hi")]))
        client = ResponsesClient(replace(endpoint(server.base_url), chatgpt_backend=True))
        try:
            events = [e async for e in client.stream(envelope_request())]
        finally:
            await client.aclose()
        [sent] = server.requests
    assert events
    assert sent.headers["content-encoding"] == "zstd"
    assert sent.headers["x-codex-routing-hint"] == "model=gpt-5.5"
    assert sent.body is not None and sent.body["model"] == "gpt-5.5"
    assert len(sent.raw) < len(json.dumps(sent.body))  # compressed on the wire


async def test_api_key_mode_sends_plain_json() -> None:
    with ScriptedModelServer() as server:
        server.script(Reply([Text("hi")]))
        client = ResponsesClient(endpoint(server.base_url))
        try:
            [e async for e in client.stream(envelope_request())]
        finally:
            await client.aclose()
        [sent] = server.requests
    assert "content-encoding" not in sent.headers and "x-codex-routing-hint" not in sent.headers


# -- identity --------------------------------------------------------------------------


def test_request_headers_are_codexs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEX_INTERNAL_ORIGINATOR_OVERRIDE", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("TERM_PROGRAM", raising=False)
    headers = request_headers("t-1", editor_name("Neovim", "0.10.2"))
    assert headers["originator"] == "codex_cli_rs"
    assert headers["version"] == CODEX_WIRE_VERSION == "0.169.0"
    assert headers["session-id"] == headers["thread-id"] == headers["x-client-request-id"] == "t-1"
    agent = headers["User-Agent"]
    assert agent.startswith(f"codex_cli_rs/0.169.0 ({os_description()}; ")
    assert agent.endswith(") xterm-256color (codex-lsp; 0.1.0; Neovim/0.10.2)")


def test_originator_override_as_codex_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_INTERNAL_ORIGINATOR_OVERRIDE", "codex_vscode")
    assert request_headers("t")["originator"] == "codex_vscode"
    assert user_agent().startswith("codex_vscode/0.169.0 (")
    monkeypatch.setenv("CODEX_INTERNAL_ORIGINATOR_OVERRIDE", "bad\nvalue")
    assert request_headers("t")["originator"] == "codex_cli_rs"


def test_editor_name_cannot_inject_a_header() -> None:
    agent = user_agent("evil\r\nX-Injected: 1")
    assert "\r" not in agent and "\n" not in agent


def _id_token(fedramp: bool) -> str:
    claims = {AUTH_CLAIM: {"chatgpt_account_id": "acct-1", "chatgpt_account_is_fedramp": fedramp}}
    return make_jwt({"email": "a@b.c", **claims})


@pytest.mark.parametrize("fedramp", [True, False])
def test_fedramp_header_follows_the_id_token_claim(fedramp: bool) -> None:
    record = codex_auth_json(
        {"id_token": _id_token(fedramp), "access_token": "at", "refresh_token": "rt"}
    )
    headers = AuthManager.headers_of(record)
    assert headers.get("X-OpenAI-Fedramp") == ("true" if fedramp else None)


async def test_refresh_and_revoke_carry_codexs_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedAuthority() as authority:
        tokens = authority.issue(access_exp=time.time() + 3600)
        await request_refresh(f"{authority.url}/oauth/token", tokens["refresh_token"])
        monkeypatch.setenv("CODEX_REVOKE_TOKEN_URL_OVERRIDE", f"{authority.url}/oauth/revoke")
        assert await revoke(codex_auth_json(authority.issue())) is None
        for path in ("/oauth/token", "/oauth/revoke"):
            [sent] = authority.paths(path)
            headers = {k.lower(): v for k, v in sent.headers.items()}
            assert headers["originator"] == "codex_cli_rs", path
            assert headers["user-agent"].startswith("codex_cli_rs/0.169.0 ("), path
        [refresh] = authority.refreshes()
        assert refresh.body["refresh_reason"] == "proactive_expiry"


async def test_a_refresh_after_401_says_unauthorized_recovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedAuthority() as authority:
        for name, value in authority.env().items():
            monkeypatch.setenv(name, value)
        tokens = authority.issue(access_exp=time.time() + 3600)
        (tmp_path / "auth.json").write_text(json.dumps(codex_auth_json(tokens)))
        manager = AuthManager(AuthSettings(tmp_path))
        sent = await manager.headers()
        assert await manager.unauthorized(sent)
        [refresh] = authority.refreshes()
        assert refresh.body["refresh_reason"] == "unauthorized_recovery"


async def test_compaction_in_the_envelope_carries_prompt_and_identity() -> None:
    from codex_lsp.agent.compact import SUMMARY_PREFIX, compact
    from codex_lsp.agent.thread import Thread

    thread = Thread(history=[user_message("fix a.py"), user_message("and b.py")])
    with ScriptedModelServer() as server:
        server.script(Reply([Text("We fixed a.py.")]))
        ep = replace(endpoint(server.base_url), codex_envelope=True, chatgpt_backend=True)
        client = ResponsesClient(ep)
        try:
            summary = await compact(thread, client, "gpt-5.5", PROMPT)
        finally:
            await client.aclose()
        [sent] = server.requests
    assert summary == "We fixed a.py."
    assert thread.history[0]["content"][0]["text"] == SUMMARY_PREFIX + summary
    assert sent.body is not None and "instructions" not in sent.body
    assert sent.body["input"][0] == {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": PROMPT}],
    }
    assert sent.headers["originator"] == "codex_cli_rs" and sent.headers["version"] == "0.169.0"


async def test_websocket_upgrade_gets_426_and_our_post_stays_on_https() -> None:
    import httpx

    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}
    with ScriptedModelServer() as server:
        server.script(Reply([Text("hi")]))
        async with httpx.AsyncClient() as http:  # what Codex tries first
            refused = await http.get(f"{server.base_url}/responses", headers=upgrade)
        client = ResponsesClient(endpoint(server.base_url))
        try:
            events = [e async for e in client.stream(envelope_request())]
        finally:
            await client.aclose()
        [post] = server.requests
    assert refused.status_code == 426
    assert post.method == "POST" and "upgrade" not in post.headers and events
