"""The command line: --version, `check`, and `exec` (the agent without an editor)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codex_lsp import __version__
from tests.e2e.conftest import write_config
from tests.support.lsp_client import REPO
from tests.support.model_server import FunctionCall, HttpError, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

PATCH = {
    "input": "*** Begin Patch\n*** Update File: hello.py\n@@\n-print(greet('bob'))\n"
    "+print(greet('ann'))\n*** End Patch\n"
}


def run(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_lsp", *args],
        env={**os.environ, **env},
        cwd=str(cwd or REPO),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_version() -> None:
    result = run({}, "--version")
    assert result.stdout.strip() == f"codex-lsp {__version__}"


def test_check_reports_config_and_a_reachable_endpoint(
    editor_env: dict[str, str], model: ScriptedModelServer
) -> None:
    result = run(editor_env, "check")
    assert result.returncode == 0, result.stderr
    assert '"model": "test-model"' in result.stdout
    assert '"api_key_present": true' in result.stdout
    assert "sk-test" not in result.stdout + result.stderr
    assert f"endpoint: OK, {model.base_url} answers" in result.stdout


def test_check_fails_clearly_when_nothing_listens(editor_env: dict[str, str], codex_home: Path) -> None:
    write_config(codex_home, "http://127.0.0.1:9/v1")
    result = run(editor_env, "check")
    assert result.returncode == 1
    assert "is the server running at http://127.0.0.1:9/v1?" in result.stderr


def test_check_and_exec_take_a_profile_file_as_codex_does(
    editor_env: dict[str, str], model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    (codex_home / "fast.config.toml").write_text('model = "fast-model"\n')
    result = run(editor_env, "check", "--profile", "fast")
    assert result.returncode == 0, result.stderr
    assert '"model": "fast-model"' in result.stdout
    assert f'"profile_file": "{codex_home / "fast.config.toml"}"' in result.stdout
    model.script(Reply([Text("Hi.")]))
    result = run(editor_env, "exec", "say hi", "--profile", "fast", "--yes", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert model.requests[-1].body["model"] == "fast-model"


def test_exec_yes_applies_atomically(
    editor_env: dict[str, str], model: ScriptedModelServer, workspace: Path
) -> None:
    model.script(Reply([Text("Editing."), FunctionCall("apply_patch", PATCH)]), Reply([Text("Done.")]))
    result = run(editor_env, "exec", "greet ann", "--file", "hello.py", "--range", "5:5", "--yes", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "-print(greet('bob'))\n+print(greet('ann'))" in result.stdout
    assert "Done." in result.stdout
    assert "print(greet('ann'))" in (workspace / "hello.py").read_text()
    assert list(workspace.glob(".*codex-tmp")) == []
    prompt = model.requests[0].body["input"][0]["content"][0]["text"]
    assert "File: hello.py, lines 5-5:\n```\nprint(greet('bob'))\n```" in prompt


def test_exec_without_a_terminal_or_yes_rejects(
    editor_env: dict[str, str], model: ScriptedModelServer, workspace: Path
) -> None:
    model.script(Reply([FunctionCall("apply_patch", PATCH)]))
    before = (workspace / "hello.py").read_text()
    result = run(editor_env, "exec", "greet ann", cwd=workspace)
    assert result.returncode == 2
    assert "no terminal to ask" in result.stderr
    assert (workspace / "hello.py").read_text() == before


def test_exec_model_error_exits_1(editor_env: dict[str, str], model: ScriptedModelServer, workspace: Path) -> None:
    model.script(HttpError(404))
    result = run(editor_env, "exec", "anything", cwd=workspace)
    assert result.returncode == 1
    assert "Model 'test-model' not found at" in result.stderr


def test_exec_bad_range_is_a_clear_error(editor_env: dict[str, str], workspace: Path) -> None:
    result = run(editor_env, "exec", "x", "--file", "hello.py", "--range", "9:2", cwd=workspace)
    assert result.returncode == 1
    assert "invalid --range '9:2'" in result.stderr


def test_exec_image_attaches_files_as_codex_does(
    editor_env: dict[str, str], model: ScriptedModelServer, workspace: Path
) -> None:
    from tests.support.images import GIF_1X1, png

    (workspace / "a.png").write_bytes(png(2, 2))
    (workspace / "b.gif").write_bytes(GIF_1X1)
    model.script(Reply([Text("Two images.")]))
    result = run(editor_env, "exec", "compare", "-i", "a.png", "--image", "b.gif", cwd=workspace)
    assert result.returncode == 0, result.stderr
    content = model.requests[0].body["input"][-1]["content"]
    assert [part["type"] for part in content] == ["input_text", "input_image", "input_text"] * 2 + ["input_text"]
    assert content[0]["text"] == '<image name=[Image #1] path="a.png">'
    assert content[3]["text"] == '<image name=[Image #2] path="b.gif">'
    assert content[4]["image_url"].startswith("data:image/gif;base64,")
    assert content[-1] == {"type": "input_text", "text": "compare"}


def test_exec_bad_image_is_a_clear_error_and_sends_nothing(
    editor_env: dict[str, str], model: ScriptedModelServer, workspace: Path
) -> None:
    result = run(editor_env, "exec", "look", "--image", "missing.png", cwd=workspace)
    assert result.returncode == 1
    assert "error: image path `missing.png` is not a file" in result.stderr
    assert model.requests == []


def test_exec_shows_web_searches_as_codex_exec_does(
    editor_env: dict[str, str], model: ScriptedModelServer, workspace: Path, codex_home: Path
) -> None:
    from tests.support.model_server import WebSearchCall

    (codex_home / "config.toml").write_text(
        f'model = "gpt-5.5"\nopenai_base_url = "{model.base_url}"\napproval_policy = "never"\n'
    )
    source = "https://pygls.readthedocs.io/en/latest/changelog.html"
    model.script(Reply([WebSearchCall("pygls 2.0 release date", [source]), Text("pygls 2 is out.")], full=True))
    env = {**editor_env, "OPENAI_API_KEY": "sk-test-exec-search"}
    result = run(env, "exec", "when did pygls 2 ship?", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "pygls 2 is out." in result.stdout
    # `codex exec` prints "web search: <query>" on stderr; we add the sources below it.
    assert f"web search: pygls 2.0 release date\n  {source}\n" in result.stderr
