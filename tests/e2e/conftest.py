"""Fixtures: a scripted model server, a workspace, a CODEX_HOME, an editor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.chatgpt_auth import ChatGPTBackend, ScriptedAuthority
from tests.support.lsp_client import Editor
from tests.support.model_server import ScriptedModelServer

TEST_KEY = "sk-test-do-not-leak-1234"


def write_config(home: Path, base_url: str, extra: str = "") -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'''model = "test-model"
model_provider = "scripted"
{extra}

[model_providers.scripted]
name = "Scripted"
base_url = "{base_url}"
env_key = "CODEX_TEST_KEY"
wire_api = "responses"
request_max_retries = 1
stream_max_retries = 1
'''
    )


@pytest.fixture
def model() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer() as server:
        yield server


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "hello.py").write_text("def greet(name):\n    return 'hi ' + name\n\n\nprint(greet('bob'))\n")
    return ws


@pytest.fixture
def codex_home(tmp_path: Path, model: ScriptedModelServer) -> Path:
    home = tmp_path / "codex-home"
    write_config(home, model.base_url)
    return home


@pytest.fixture
def editor_env(tmp_path: Path, codex_home: Path) -> dict[str, str]:
    return {
        "CODEX_HOME": str(codex_home),
        "CODEX_TEST_KEY": TEST_KEY,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "HOME": str(tmp_path / "home"),
    }


@pytest.fixture
async def editor(workspace: Path, editor_env: dict[str, str]) -> AsyncIterator[Editor]:
    ed = Editor(workspace, editor_env)
    yield ed
    await ed.stop()


@pytest.fixture
def authority() -> Iterator[ScriptedAuthority]:
    """OpenAI's sign-in service, scripted (test files may override it)."""
    with ScriptedAuthority() as auth:
        yield auth


@pytest.fixture
def backend(authority: ScriptedAuthority) -> Iterator[ChatGPTBackend]:
    """The ChatGPT backend behind that sign-in."""
    with ChatGPTBackend(authority) as server:
        yield server
