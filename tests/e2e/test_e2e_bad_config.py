"""Bad configuration never kills the server: it keeps running on every valid part,
says once what is wrong (file, line, key, next step), and picks up a fix without a restart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import write_config
from tests.e2e.test_cli import run
from tests.e2e.test_e2e_agentic import MCP_SERVER
from tests.support.lsp_client import Editor
from tests.support.model_server import Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

ERROR, WARNING, INFO = 1, 2, 3


def messages(editor: Editor, kind: int) -> list[str]:
    return [m["message"] for m in editor.state.messages if m["type"] == kind]


async def test_invalid_toml_keeps_the_server_and_the_valid_lines(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, "approval_policy = ")
    config = codex_home / "config.toml"
    model.script(Reply([Text("still here")]), Reply([Text("and again")]))
    await editor.start()
    status = await editor.command("codex.status", {})
    assert status["status"] == "answered"
    assert status["configProblems"] == [
        f"{config}:3: 'approval_policy' is not valid TOML: Invalid value (line ignored)"
    ]
    assert status["config"]["provider"]["id"] == "scripted"  # the valid lines are kept
    # The first status may be answered before the server has loaded; the error is
    # said once it has.
    await editor.wait_for(lambda: bool(messages(editor, ERROR)))
    errors = messages(editor, ERROR)
    assert len(errors) == 1
    assert f"{config}:3: 'approval_policy'" in errors[0] and "no restart needed" in errors[0]
    assert (await editor.command("codex.ask", {"prompt": "hi"}))["text"] == "still here"
    # The same problems are not said again on the next command.
    await editor.command("codex.status", {})
    assert len(messages(editor, ERROR)) == 1
    # A fix is picked up by the next command, without a restart.
    write_config(codex_home, model.base_url, 'approval_policy = "never"')
    status = await editor.command("codex.status", {})
    assert status["configProblems"] == [] and status["configError"] is None
    assert status["config"]["approval_policy"] == "never"
    assert messages(editor, INFO)[-1] == "codex-lsp: the configuration is fine now."
    assert (await editor.command("codex.ask", {"prompt": "hi"}))["text"] == "and again"


async def test_a_wrong_typed_key_is_named_with_its_line_and_dropped(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, 'sandbox_mode = "read-only"\napproval_policy = 5')
    await editor.start()
    status = await editor.command("codex.status", {})
    assert status["configProblems"] == [
        f"{codex_home / 'config.toml'}:4: 'approval_policy' must be one of untrusted, on-request, "
        "on-failure, never (got 5) (ignored; its default is used)"
    ]
    assert status["config"]["approval_policy"] == "on-request"
    assert status["config"]["sandbox_mode"] == "read-only"
    assert status["requestsBlocked"] is None


async def test_a_broken_provider_choice_blocks_requests_until_fixed(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    config = codex_home / "config.toml"
    good = config.read_text()
    config.write_text(good.replace('model_provider = "scripted"', "model_provider = 7"))
    model.script(Reply([Text("fixed")]))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "hi"})
    assert result["status"] == "failed"
    assert result["error"].startswith("Model requests are off until the configuration is fixed: ")
    assert f"{config}:2: 'model_provider' must be a string (got 7)" in result["error"]
    assert model.requests == []  # nothing went to a provider the user did not choose
    status = await editor.command("codex.status", {})
    assert status["requestsBlocked"] == result["error"]
    config.write_text(good)
    assert (await editor.command("codex.ask", {"prompt": "hi"}))["text"] == "fixed"


async def test_a_file_that_is_not_utf8_is_ignored_whole_and_blocks(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    (codex_home / "config.toml").write_bytes(b'model = "\xff"\n')
    await editor.start()
    status = await editor.command("codex.status", {})
    assert len(status["configProblems"]) == 1
    assert "is not valid UTF-8" in status["configProblems"][0]
    assert "whole file ignored" in status["configProblems"][0]
    assert status["requestsBlocked"]


async def test_a_bad_mcp_entry_is_skipped_and_the_others_work(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    servers = (
        f'[mcp_servers.calc]\ncommand = "{sys.executable}"\nargs = ["{MCP_SERVER}"]\n'
        "startup_timeout_sec = 20\n\n[mcp_servers.bad]\ncommand = 5\n"
    )
    write_config(codex_home, model.base_url, servers)
    model.script(Reply([Text("ok")]))
    await editor.start()
    status = await editor.command("codex.status", {})
    line = (codex_home / "config.toml").read_text().splitlines().index("command = 5") + 1
    assert status["configProblems"] == [
        f"{codex_home / 'config.toml'}:{line}: 'mcp_servers.bad.command' must be a string "
        "(got 5) (entry skipped)"
    ]
    assert status["config"]["mcp_servers"] == ["calc"]
    assert (await editor.command("codex.runTask", {"prompt": "tools?"}, timeout=60))["text"] == "ok"
    tools = [t["name"] for t in model.requests[0].body["tools"]]
    assert "calc__add" in tools


async def test_a_bad_auth_json_is_said_treated_as_signed_out_and_left_alone(
    workspace: Path, editor_env: dict[str, str], model: ScriptedModelServer, codex_home: Path
) -> None:
    config = codex_home / "config.toml"
    config.write_text(config.read_text().replace('"CODEX_TEST_KEY"', '"OPENAI_API_KEY"'))
    auth = codex_home / "auth.json"
    auth.write_bytes(b'{"OPENAI_API_KEY": "sk-half')
    editor = Editor(workspace, editor_env)
    try:
        model.script(Reply([Text("signed in again")]))
        await editor.start()
        result = await editor.command("codex.ask", {"prompt": "hi"})
        assert result["status"] == "failed" and "No API key" in result["error"]
        warnings = messages(editor, WARNING)
        assert any(f"{auth} is not valid JSON" in w and "treated as signed out" in w for w in warnings)
        assert auth.read_bytes() == b'{"OPENAI_API_KEY": "sk-half'  # never rewritten or removed
        auth.write_text(json.dumps({"OPENAI_API_KEY": "sk-fixed-key-0000"}))
        assert (await editor.command("codex.ask", {"prompt": "hi"}))["text"] == "signed in again"
        assert model.requests[0].headers["authorization"] == "Bearer sk-fixed-key-0000"
    finally:
        await editor.stop()


async def test_bad_agents_md_is_skipped_with_a_warning(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    (workspace / "AGENTS.md").write_bytes(b"\x00\x01binary\xff" * 100)
    model.script(Reply([Text("one")]), Reply([Text("two")]))
    await editor.start()
    assert (await editor.command("codex.ask", {"prompt": "hi"}))["text"] == "one"
    assert (await editor.command("codex.ask", {"prompt": "again"}))["text"] == "two"
    body = json.dumps(model.requests[0].body)
    assert "binary" not in body
    warnings = [w for w in messages(editor, WARNING) if "AGENTS.md" in w]
    assert warnings == [f"codex-lsp: {workspace / 'AGENTS.md'} is not a text file: skipped"]
    status = await editor.command("codex.status", {})
    assert status["instructionProblems"] == [f"{workspace / 'AGENTS.md'} is not a text file: skipped"]


def test_check_shows_the_same_problems(editor_env: dict[str, str], codex_home: Path, model: ScriptedModelServer) -> None:
    write_config(codex_home, model.base_url, "approval_policy = ")
    result = run(editor_env, "check")
    assert result.returncode == 1
    assert (
        f"error: {codex_home / 'config.toml'}:3: 'approval_policy' is not valid TOML: "
        "Invalid value (line ignored)"
    ) in result.stderr
    assert '"model": "test-model"' in result.stdout  # the rest is still checked
    assert f"endpoint: OK, {model.base_url} answers" in result.stdout
