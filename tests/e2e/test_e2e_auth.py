"""Sign in with ChatGPT end to end: the real server and CLI against a scripted authority/backend."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.chatgpt_auth import (
    ACCOUNT_ID,
    EMAIL,
    PLAN,
    ChatGPTBackend,
    ScriptedAuthority,
    codex_auth_json,
)
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, Text

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
PATCH = """*** Begin Patch
*** Update File: hello.py
@@ def greet(name):
-    return 'hi ' + name
+    return f"hello {name}"
*** End Patch
"""
RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 27}}


@pytest.fixture
def home(tmp_path: Path, backend: ChatGPTBackend) -> Path:
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'model = "test-model"\nopenai_base_url = "{backend.codex_url}"\n'
        "request_max_retries = 1\nstream_max_retries = 1\n"
    )
    return home


@pytest.fixture
def env(tmp_path: Path, home: Path, authority: ScriptedAuthority) -> dict[str, str]:
    return {
        "CODEX_HOME": str(home),
        "CODEX_LOGIN_ISSUER": authority.url,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "HOME": str(tmp_path / "home"),
    }


@pytest.fixture
async def editor(workspace: Path, env: dict[str, str], tmp_path: Path) -> Iterator[Editor]:
    ed = Editor(workspace, env)
    ed.server_args = ["-v", "--log-file", str(tmp_path / "server.log")]
    yield ed  # type: ignore[misc]
    await ed.stop()


async def play_browser(url: str) -> httpx.Response:
    async with httpx.AsyncClient(follow_redirects=True, trust_env=False, timeout=30) as http:
        return await http.get(url)


def stored(home: Path) -> dict[str, object]:
    return json.loads((home / "auth.json").read_text())


def assert_no_secret(secrets: list[str], *texts: str) -> None:
    for secret in secrets:
        for text in texts:
            assert secret not in text


async def test_browser_sign_in_over_lsp_then_an_edit_turn_with_chatgpt_headers(
    editor: Editor, backend: ChatGPTBackend, home: Path, tmp_path: Path
) -> None:
    await editor.start()
    await editor.wait_for(lambda: any(e.get("type") == "authRequired" for e in editor.state.events))
    required = next(e for e in editor.state.events if e.get("type") == "authRequired")
    assert required["action"] == "Sign in with ChatGPT" and required["reason"] == "notSignedIn"
    login = asyncio.ensure_future(editor.command("codex.login", {"method": "browser"}, timeout=60))
    await editor.wait_for(lambda: bool(editor.state.shown_documents), timeout=20)
    shown = editor.state.shown_documents[0]
    assert shown["external"] is True and "/oauth/authorize?" in shown["uri"]
    assert "originator=codex_cli_rs" in shown["uri"]  # Codex's own, as its sign-in requires
    page = await play_browser(shown["uri"])
    assert page.status_code == 200
    result = await login
    assert result["status"] == "applied", result
    assert (result["email"], result["plan"], result["authMode"]) == (EMAIL, PLAN, "chatgpt")
    assert any(p["value"].get("kind") == "begin" for p in editor.state.progress)

    backend.script(
        Reply([Text("Updating."), FunctionCall("apply_patch", {"input": PATCH})]),
        Reply([Text("Done.")]),
    )
    uri = editor.open("hello.py")
    editor.message_answers = ["Apply"]
    answer = await editor.command(
        "codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "f-string"}
    )
    assert answer["status"] == "applied", answer
    tokens = stored(home)["tokens"]
    assert isinstance(tokens, dict)
    first, second = backend.requests[:2]
    assert first.path == "/backend-api/codex/responses"
    assert first.headers["authorization"] == f"Bearer {tokens['access_token']}"
    assert first.headers["chatgpt-account-id"] == ACCOUNT_ID
    assert "x-codex-turn-state" not in first.headers
    assert second.headers["x-codex-turn-state"] == "ts-1"  # sent back within the turn
    # Codex 0.169's envelope: zstd body, Codex's identity, the prompt as developer messages.
    assert first.headers["content-encoding"] == "zstd" and first.headers["originator"] == "codex_cli_rs"
    assert first.headers["version"] == "0.169.0" and first.headers["thread-id"]
    assert first.body is not None and "instructions" not in first.body
    roles = [item.get("role") for item in first.body["input"]]
    assert roles[:3] == ["developer", "developer", "user"]
    assert first.body["input"][2]["content"][0]["text"].startswith("<environment_context>")
    assert first.body["client_metadata"]["thread_id"] == first.headers["thread-id"]
    status = await editor.command("codex.status")
    assert status["auth"] == {
        "authMode": "chatgpt", "email": EMAIL, "plan": PLAN, "authSource": str(home / "auth.json"),
        "authNote": None,
    }
    await editor.stop()
    secrets = [str(tokens[k]) for k in ("access_token", "refresh_token", "id_token")]
    sessions = "".join(p.read_text() for p in (home / "sessions").rglob("*.jsonl"))
    assert_no_secret(
        secrets,
        json.dumps([editor.state.events, editor.state.messages, editor.state.progress]),
        json.dumps(editor.state.message_requests),
        (tmp_path / "server.log").read_text(),
        sessions,
    )


async def test_expired_token_refreshed_before_the_request_and_401_refreshed_once(
    editor: Editor, backend: ChatGPTBackend, authority: ScriptedAuthority, home: Path
) -> None:
    tokens = authority.issue(access_exp=time.time() - 5)
    (home / "auth.json").write_text(json.dumps(codex_auth_json(tokens)))
    backend.set_default(Reply([Text("ok")]))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "hi"})
    assert result["status"] == "answered", result
    assert len(authority.refreshes()) == 1
    assert all(h["authorization"] != f"Bearer {tokens['access_token']}" for h in backend.seen)

    unknown = authority.issue()  # valid-looking, but the backend no longer accepts it
    authority.state.access.pop(unknown["access_token"])
    (home / "auth.json").write_text(json.dumps(codex_auth_json(unknown)))
    seen = len(backend.seen)
    result = await editor.command("codex.ask", {"prompt": "again"})
    assert result["status"] == "answered", result
    assert len(authority.refreshes()) == 2  # exactly one more
    assert len(backend.seen) == seen + 2  # the 401, then the retry


async def test_refresh_token_reused_gives_one_message_with_the_action_and_no_loop(
    editor: Editor, backend: ChatGPTBackend, authority: ScriptedAuthority, home: Path
) -> None:
    tokens = authority.issue(access_exp=time.time() - 5)
    authority.state.live_refresh.discard(tokens["refresh_token"])
    authority.state.spent_refresh.add(tokens["refresh_token"])
    (home / "auth.json").write_text(json.dumps(codex_auth_json(tokens)))
    await editor.start()
    for _ in range(2):
        result = await editor.command("codex.ask", {"prompt": "hi"})
        assert result["status"] == "failed" and "already used" in result["error"]
    assert len(authority.refreshes()) == 1
    assert backend.seen == []  # an expired token is never sent
    events = [e for e in editor.state.events if e.get("type") == "authRequired"]
    assert len(events) == 1 and events[0]["reason"] == "refreshFailed"
    prompts = [m for m in editor.state.message_requests if "already used" in m["message"]]
    assert len(prompts) == 1
    assert prompts[0]["actions"] == [{"title": "Sign in with ChatGPT"}]


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    full.pop("OPENAI_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "codex_lsp", *args], env=full, cwd=REPO, input=stdin,
        capture_output=True, text=True, timeout=60,
    )


def test_cli_device_login_check_and_logout(
    env: dict[str, str], authority: ScriptedAuthority, home: Path
) -> None:
    authority.state.pending_polls = 2
    done = run_cli(env, "login", "--device-auth")
    assert done.returncode == 0, done.stderr
    assert "ABCD-1234" in done.stdout and f"{authority.url}/codex/device" in done.stdout
    assert len(authority.paths("/api/accounts/deviceauth/token")) == 3
    check = run_cli(env, "check")
    assert f"auth: chatgpt ({EMAIL}, plan {PLAN})" in check.stdout
    refresh = stored(home)["tokens"]["refresh_token"]  # type: ignore[index]
    assert str(refresh) not in check.stdout + check.stderr
    out = run_cli(env, "logout")
    assert out.returncode == 0 and "Signed out" in out.stdout
    assert not (home / "auth.json").exists()
    assert authority.paths("/oauth/revoke")[0].body["token"] == refresh


async def test_cli_browser_login(env: dict[str, str], home: Path) -> None:
    full = {**os.environ, **env}
    full.pop("OPENAI_API_KEY", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "codex_lsp", "login", "--no-browser", env=full, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    url = ""
    while "/oauth/authorize?" not in url:
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
    await play_browser(url)
    assert await asyncio.wait_for(proc.wait(), 30) == 0
    assert stored(home)["auth_mode"] == "chatgpt"


def test_cli_login_with_api_key_from_stdin(env: dict[str, str], home: Path) -> None:
    out = run_cli(env, "login", "--with-api-key", stdin="sk-from-stdin-0123456789\n")
    assert out.returncode == 0, out.stderr
    assert stored(home) == {"auth_mode": "apikey", "OPENAI_API_KEY": "sk-from-stdin-0123456789"}


def test_cli_check_says_an_exported_key_is_ignored_for_a_chatgpt_sign_in(
    env: dict[str, str], authority: ScriptedAuthority, home: Path
) -> None:
    (home / "auth.json").write_text(json.dumps(codex_auth_json(authority.issue())))
    full = {**os.environ, **env, "OPENAI_API_KEY": "sk-exported-for-other-tools-0123"}
    out = subprocess.run(
        [sys.executable, "-m", "codex_lsp", "check"], env=full, cwd=REPO,
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert f"auth: chatgpt ({EMAIL}, plan {PLAN})" in out.stdout
    assert (
        f"auth_source: chatgpt ({home / 'auth.json'}); OPENAI_API_KEY in the environment is "
        "ignored because"
    ) in out.stdout
    assert "sk-exported" not in out.stdout + out.stderr
