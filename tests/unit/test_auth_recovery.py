"""A spent refresh token is not a sign-out while the store holds other tokens.

Another process (the real Codex CLI refreshes with no lock held) may spend the
refresh token first; the authority then answers ours 401 `refresh_token_reused`,
and the manager must use what that process stores. These tests play "the other
process" with plain HTTP and file writes under Codex's locks, in Codex's order.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from codex_lsp.auth import authfile
from codex_lsp.auth.account import AuthSettings
from codex_lsp.auth.errors import AuthError
from codex_lsp.auth.locks import INNER_LOCK, OUTER_LOCK
from codex_lsp.auth.manager import AuthManager
from codex_lsp.auth.store import CredentialStore
from tests.support.chatgpt_auth import CLIENT_ID, ScriptedAuthority, codex_auth_json


@pytest.fixture
def authority(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedAuthority]:
    with ScriptedAuthority() as auth:
        monkeypatch.setenv("CODEX_LOGIN_ISSUER", auth.url)
        monkeypatch.delenv("CODEX_REFRESH_TOKEN_URL_OVERRIDE", raising=False)
        yield auth


def write_codex_file(home: Path, tokens: dict[str, str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "auth.json").write_text(json.dumps(codex_auth_json(tokens), indent=2))


def other_process_refreshes(authority: ScriptedAuthority, refresh_token: str) -> dict[str, str]:
    """What Codex does first: spend the refresh token at the authority (no lock held)."""
    answer = httpx.post(
        f"{authority.url}/oauth/token",
        json={"client_id": CLIENT_ID, "grant_type": "refresh_token", "refresh_token": refresh_token},
        timeout=10,
    )
    assert answer.status_code == 200
    return dict(answer.json())


def codex_style_write(home: Path, tokens: dict[str, str]) -> None:
    """Then: block on auth.lock, try-lock auth.json.lock, write (Codex 0.169's order)."""
    with open(home / OUTER_LOCK, "a") as outer, open(home / INNER_LOCK, "a") as inner:
        fcntl.flock(outer, fcntl.LOCK_EX)
        fcntl.flock(inner, fcntl.LOCK_EX | fcntl.LOCK_NB)
        write_codex_file(home, tokens)


def when(condition: Callable[[], bool], action: Callable[[], None]) -> threading.Thread:
    """Run `action` on a thread once `condition` holds."""
    def run() -> None:
        while not condition():
            time.sleep(0.005)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


async def test_reused_token_uses_the_tokens_the_other_process_stores_afterwards(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    old = authority.issue(access_exp=time.time() - 10)
    write_codex_file(tmp_path, old)
    theirs = other_process_refreshes(authority, old["refresh_token"])
    # Codex writes only after our refresh was refused (the worst order for us).
    writer = when(lambda: len(authority.refreshes()) == 2, lambda: codex_style_write(tmp_path, theirs))
    manager = AuthManager(AuthSettings(tmp_path))
    heard: list[AuthError] = []
    manager.listeners.append(heard.append)
    headers = await manager.headers()
    writer.join(10)
    assert headers["Authorization"] == f"Bearer {theirs['access_token']}"
    assert [r.body["refresh_token"] for r in authority.refreshes()] == [old["refresh_token"]] * 2
    assert manager.refreshes == 0 and heard == []
    stored = json.loads((tmp_path / "auth.json").read_text())
    assert stored["tokens"]["refresh_token"] == theirs["refresh_token"]


async def test_after_a_401_a_reused_token_recovers_too(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    old = authority.issue()
    write_codex_file(tmp_path, old)
    manager = AuthManager(AuthSettings(tmp_path))
    sent = await manager.headers()
    theirs = other_process_refreshes(authority, old["refresh_token"])
    writer = when(lambda: len(authority.refreshes()) == 2, lambda: codex_style_write(tmp_path, theirs))
    assert await manager.unauthorized(sent)
    writer.join(10)
    assert (await manager.headers())["Authorization"] == f"Bearer {theirs['access_token']}"


async def test_reused_with_the_spent_token_still_stored_is_a_real_sign_out(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    old = authority.issue(access_exp=time.time() - 10)
    write_codex_file(tmp_path, old)
    other_process_refreshes(authority, old["refresh_token"])  # and its tokens were lost
    manager = AuthManager(AuthSettings(tmp_path))
    manager.recover_wait = 0.3
    for _ in range(2):
        with pytest.raises(AuthError) as info:
            await manager.headers()
    assert info.value.permanent and "already used" in info.value.message
    assert len(authority.refreshes()) == 2  # theirs, then ours once: no loop


async def test_expired_token_already_refreshed_by_another_process_is_not_refreshed_again(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    old = authority.issue(access_exp=time.time() - 10)
    write_codex_file(tmp_path, old)
    codex_style_write(tmp_path, other_process_refreshes(authority, old["refresh_token"]))
    await AuthManager(AuthSettings(tmp_path)).headers()
    assert len(authority.refreshes()) == 1  # only theirs


def test_half_written_auth_json_is_read_again_not_reported(tmp_path: Path) -> None:
    whole = json.dumps(codex_auth_json({"access_token": "a", "refresh_token": "r", "id_token": "i"}))
    (tmp_path / "auth.json").write_text(whole[: len(whole) // 2])  # a writer truncating in place
    reads: list[object] = []

    def finish_the_write() -> None:
        time.sleep(0.1)
        (tmp_path / "auth.json").write_text(whole)

    threading.Thread(target=finish_the_write, daemon=True).start()
    reads.append(authfile.read_auth_file(tmp_path, settle=20.0))
    assert reads == [json.loads(whole)]


def test_unparsable_auth_json_is_reported_after_the_bounded_wait(tmp_path: Path) -> None:
    (tmp_path / "auth.json").write_text("{not json")
    with pytest.raises(AuthError) as info:
        authfile.read_auth_file(tmp_path, settle=0.2)
    assert "is not valid JSON" in info.value.message


def test_a_save_waits_for_auth_lock_held_by_codex(tmp_path: Path) -> None:
    write_codex_file(tmp_path, {"access_token": "a", "refresh_token": "r", "id_token": "i"})
    fd = os.open(tmp_path / OUTER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)  # Codex is between its refresh and its write
    saver = threading.Thread(
        target=CredentialStore(tmp_path).save, args=(authfile.api_key_record("sk-x"),)
    )
    saver.start()
    saver.join(0.5)
    assert saver.is_alive()  # still waiting: nothing written under Codex's feet
    assert json.loads((tmp_path / "auth.json").read_text())["tokens"]["access_token"] == "a"
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
    saver.join(10)
    assert json.loads((tmp_path / "auth.json").read_text())["OPENAI_API_KEY"] == "sk-x"
