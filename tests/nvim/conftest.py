"""The fixtures of the headless Neovim tests: the scripted model, a workspace, the
environment Neovim and the server it starts run in (see test_nvim.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.nvim.test_nvim import HELLO, SEARCH_PATH, TEST_KEY, TWO
from tests.support.model_server import ScriptedModelServer


@pytest.fixture
def model() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer() as server:
        yield server


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    (ws / "hello.py").write_text(HELLO)
    (ws / "two.py").write_text(TWO)
    return ws


@pytest.fixture
def nvim_env(tmp_path: Path, model: ScriptedModelServer) -> dict[str, str]:
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'''model = "test-model"
model_provider = "scripted"

[model_providers.scripted]
name = "Scripted"
base_url = "{model.base_url}"
env_key = "CODEX_TEST_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
'''
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NVIM", "VIM", "MYVIMRC", "XDG_", "CODEX_", "OPENAI_"))
    }
    user_home = tmp_path / "home"
    user_home.mkdir()
    env.update(
        {
            "PATH": SEARCH_PATH,
            "HOME": str(user_home),
            "CODEX_HOME": str(home),
            "CODEX_TEST_KEY": TEST_KEY,
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            # A daemon (on by default) started by a test does not outlive it for long.
            "CODEX_LSP_DAEMON_IDLE": "10",
        }
    )
    return env
