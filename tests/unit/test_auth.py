"""Sign in with ChatGPT, in process, against the scripted authority over real HTTP
(processes sharing auth.json: tests/integration/test_auth.py)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from codex_lsp import redact
from codex_lsp.auth.account import AuthSettings, account_of
from codex_lsp.auth.browser import BrowserLogin
from codex_lsp.auth.device import complete_device_login, request_device_code
from codex_lsp.auth.errors import AuthError
from codex_lsp.auth.keyring_store import store_account
from codex_lsp.auth.logout import logout
from codex_lsp.auth.manager import AuthManager
from tests.support.chatgpt_auth import (
    ACCOUNT_ID,
    CLIENT_ID,
    EMAIL,
    PLAN,
    ScriptedAuthority,
    codex_auth_json,
)


@pytest.fixture
def authority(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedAuthority]:
    with ScriptedAuthority() as auth:
        monkeypatch.setenv("CODEX_LOGIN_ISSUER", auth.url)
        monkeypatch.delenv("CODEX_REFRESH_TOKEN_URL_OVERRIDE", raising=False)
        monkeypatch.delenv("CODEX_REVOKE_TOKEN_URL_OVERRIDE", raising=False)
        yield auth


def write_codex_file(home: Path, tokens: dict[str, str]) -> dict[str, object]:
    home.mkdir(parents=True, exist_ok=True)
    record = codex_auth_json(tokens)
    (home / "auth.json").write_text(json.dumps(record, indent=2))
    return record


async def test_codex_written_auth_json_is_refreshed_and_rewritten_keeping_unknown_keys(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    tokens = authority.issue(access_exp=time.time() - 10)  # expired
    write_codex_file(tmp_path, tokens)
    manager = AuthManager(AuthSettings(tmp_path))
    headers = await manager.headers()
    [refresh] = authority.refreshes()
    assert refresh.body == {
        "client_id": CLIENT_ID,
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "refresh_reason": "proactive_expiry",  # Codex's reason before a request
    }
    sent = {k.lower(): v for k, v in refresh.headers.items()}
    assert sent["originator"] == "codex_cli_rs"
    assert sent["user-agent"].startswith("codex_cli_rs/0.169.0 (")
    stored = json.loads((tmp_path / "auth.json").read_text())
    assert stored["agent_identity_future_key"] == {"kept": True}
    assert stored["OPENAI_API_KEY"] is None and stored["auth_mode"] == "chatgpt"
    assert stored["tokens"]["access_token"] != tokens["access_token"]
    assert stored["tokens"]["account_id"] == ACCOUNT_ID
    assert stored["last_refresh"] != "2025-01-01T00:00:00.123456789Z"
    assert stat.S_IMODE((tmp_path / "auth.json").stat().st_mode) == 0o600
    assert headers == {
        "Authorization": f"Bearer {stored['tokens']['access_token']}",
        "ChatGPT-Account-ID": ACCOUNT_ID,
    }
    assert authority.valid_access(stored["tokens"]["access_token"])
    assert account_of(stored).email == EMAIL and account_of(stored).plan == PLAN
    assert tokens["refresh_token"] in redact.known()  # registered for redaction


async def test_fresh_token_is_not_refreshed(tmp_path: Path, authority: ScriptedAuthority) -> None:
    write_codex_file(tmp_path, authority.issue())
    await AuthManager(AuthSettings(tmp_path)).headers()
    assert authority.refreshes() == []


async def test_refresh_token_reused_is_permanent_reported_once_and_not_retried(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    tokens = authority.issue(access_exp=time.time() - 10)
    authority.state.live_refresh.discard(tokens["refresh_token"])
    authority.state.spent_refresh.add(tokens["refresh_token"])
    write_codex_file(tmp_path, tokens)
    manager = AuthManager(AuthSettings(tmp_path))
    manager.recover_wait = 0.3  # the store keeps the spent token: a real sign-out
    heard: list[AuthError] = []
    manager.listeners.append(heard.append)
    for _ in range(3):
        with pytest.raises(AuthError) as info:
            await manager.headers()
    assert info.value.permanent and "already used" in info.value.message
    assert "Sign in again" in info.value.message
    assert len(authority.refreshes()) == 1  # no loop
    assert len(heard) == 1


async def test_after_401_a_token_refreshed_by_another_process_is_used_without_refreshing(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    old = authority.issue()
    write_codex_file(tmp_path, old)
    manager = AuthManager(AuthSettings(tmp_path))
    sent = await manager.headers()
    new = authority.issue()
    write_codex_file(tmp_path, new)  # "another process" refreshed meanwhile
    assert await manager.unauthorized(sent)
    assert authority.refreshes() == []
    assert (await manager.headers())["Authorization"] == f"Bearer {new['access_token']}"


async def test_after_401_with_the_same_token_refreshes_once(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    write_codex_file(tmp_path, authority.issue())
    manager = AuthManager(AuthSettings(tmp_path))
    sent = await manager.headers()
    assert await manager.unauthorized(sent)
    assert len(authority.refreshes()) == 1


def test_keyring_account_is_codex_store_key(tmp_path: Path) -> None:
    digest = hashlib.sha256(str(tmp_path.resolve()).encode()).hexdigest()
    assert store_account(tmp_path) == f"cli|{digest[:16]}"


async def play_browser(url: str) -> httpx.Response:
    async with httpx.AsyncClient(follow_redirects=True, trust_env=False, timeout=30) as http:
        return await http.get(url)


async def test_browser_sign_in_end_to_end(tmp_path: Path, authority: ScriptedAuthority) -> None:
    login = BrowserLogin(AuthSettings(tmp_path), authority.url)
    url = await login.start()
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [f"http://localhost:{login.port}/auth/callback"]
    assert query["scope"] == [
        "openid profile email offline_access api.connectors.read api.connectors.invoke"
    ]
    async with httpx.AsyncClient(trust_env=False) as http:  # a forged callback is refused
        bad = await http.get(f"http://127.0.0.1:{login.port}/auth/callback?code=x&state=nope")
    assert bad.status_code == 400
    page, _ = await asyncio.gather(play_browser(url), login.wait(timeout=30))
    assert page.status_code == 200 and "Signed in" in page.text
    stored = json.loads((tmp_path / "auth.json").read_text())
    assert stored["auth_mode"] == "chatgpt"
    assert stored["OPENAI_API_KEY"] == "sk-exchanged-api-key-0000000000"
    assert stored["tokens"]["account_id"] == ACCOUNT_ID
    assert stat.S_IMODE((tmp_path / "auth.json").stat().st_mode) == 0o600


async def test_browser_sign_in_succeeds_when_api_key_exchange_fails(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    authority.state.api_key_exchange_fails = True
    login = BrowserLogin(AuthSettings(tmp_path), authority.url)
    url = await login.start()
    await asyncio.gather(play_browser(url), login.wait(timeout=30))
    assert json.loads((tmp_path / "auth.json").read_text())["OPENAI_API_KEY"] is None


async def test_busy_port_held_by_a_codex_login_server_is_cancelled(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    first = BrowserLogin(AuthSettings(tmp_path), authority.url)
    await first.start()
    second = BrowserLogin(AuthSettings(tmp_path), authority.url)
    waiting = asyncio.ensure_future(first.wait(timeout=30))
    await second.start()
    with pytest.raises(AuthError, match="cancelled"):
        await waiting
    assert second.port == first.port
    assert any("Codex login server" in n for n in second.notes)
    second.cancel()
    with pytest.raises(AuthError):
        await second.wait(timeout=5)


async def test_device_code_sign_in_with_pending_polls(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    authority.state.pending_polls = 3
    device = await request_device_code(authority.url)
    assert device.user_code == "ABCD-1234"
    assert device.verification_url == f"{authority.url}/codex/device"
    assert "security settings" in device.instructions()
    await complete_device_login(AuthSettings(tmp_path), authority.url, device, asyncio.Event())
    polls = authority.paths("/api/accounts/deviceauth/token")
    assert len(polls) == 4
    assert polls[0].body == {"device_auth_id": "dev-1", "user_code": "ABCD-1234"}
    exchange = [r for r in authority.paths("/oauth/token") if r.body.get("code")]
    assert exchange[0].body["redirect_uri"] == f"{authority.url}/deviceauth/callback"
    assert json.loads((tmp_path / "auth.json").read_text())["tokens"]["account_id"] == ACCOUNT_ID


async def test_logout_revokes_and_deletes(tmp_path: Path, authority: ScriptedAuthority) -> None:
    tokens = authority.issue()
    write_codex_file(tmp_path, tokens)
    removed, problem = await logout(AuthSettings(tmp_path))
    assert removed and problem is None
    assert not (tmp_path / "auth.json").exists()
    [revoke] = authority.paths("/oauth/revoke")
    assert revoke.body == {
        "token": tokens["refresh_token"],
        "token_type_hint": "refresh_token",
        "client_id": CLIENT_ID,
    }


async def test_forced_workspace_refuses_other_accounts(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    write_codex_file(tmp_path, authority.issue())
    manager = AuthManager(AuthSettings(tmp_path, forced_workspace_ids=("other",)))
    with pytest.raises(AuthError, match="forced_chatgpt_workspace_id"):
        await manager.headers()
