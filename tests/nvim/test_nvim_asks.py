"""The Neovim plugin asking the user, in a real headless Neovim over the real server:
the instruction `codex.editSelection` needs (the server says `needsInstruction`; the
plugin has no copy of the `codex:` rule) and the model's `request_user_input` questions
(`codex/requestUserInput`, inline in the chat buffer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.nvim.test_nvim import (
    TWO,
    passed,
    prompts,
    run_nvim,
    script_edit,
    user_text,
)
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text
from tests.support.questions import DB, NAME

TWO_FSTRINGS = """*** Begin Patch
*** Update File: two.py
@@ def greet(name):
-    return 'hi ' + name
+    return f"hi {name}"
*** End Patch
"""

def use_gpt55(env: dict[str, str]) -> None:
    """Codex's tool family (it is offered `request_user_input`), no approvals."""
    config = Path(env["CODEX_HOME"]) / "config.toml"
    text = config.read_text().replace('model = "test-model"', 'model = "gpt-5.5"')
    config.write_text('approval_policy = "never"\n' + text)


def outputs(model: ScriptedModelServer, request: int) -> list[Any]:
    body = model.requests[request].body
    assert body is not None
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]


def test_edit_without_instruction_asks_and_sends_it_again(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    script_edit(model, TWO_FSTRINGS, "Done.")
    result = passed(run_nvim("edit_needs_instruction", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "applied", result["command"]
    assert result["inputs"] == ["Codex instruction: "]
    # The first attempt failed on the server before any model request; no error shown.
    assert "use f-strings" in user_text(model.requests[0].body)
    assert len(model.requests) == 2
    errors = [n for n in result["notifications"] if "No instruction" in n["message"]]
    assert errors == []
    assert result["buffer"] == TWO.replace("return 'hi ' + name", 'return f"hi {name}"').split(
        "\n"
    )[:-1]


def test_questions_inline_in_the_chat_picked_and_typed(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    use_gpt55(nvim_env)
    model.script(
        Reply([FunctionCall("request_user_input", {"questions": [DB, NAME]}, "ask1")]),
        Reply([Text("Postgres and payments-api it is.")]),
    )
    result = passed(run_nvim("questions", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "answered", result["command"]
    assert result["unused"] == 0
    first, second = result["first"], result["second"]
    assert first["prompt"] == "Database: Which database should the service use?"
    assert first["items"] == [
        "Postgres (Recommended) — Matches production.",
        "SQLite — No server to run.",
        "Type an answer…",
    ]
    assert second["prompt"] == "Name: What should the service be called?"
    # Both questions are in the chat, options numbered, before the first is answered.
    chat = first["chat"]
    assert "> **Codex asks** (Database): Which database should the service use?" in chat
    assert ">   1. Postgres (Recommended) — Matches production." in chat
    assert ">   3. Type an answer…" in chat
    assert ">   2. backend — Plain." in chat
    assert "> → Postgres (Recommended)" in result["chat"]
    assert "> → payments-api" in result["chat"]
    assert result["inputs"] == ["What should the service be called? "]
    # Codex's answer shape: typed text to a question with options is a user_note.
    (output,) = outputs(model, 1)
    assert json.loads(output) == {
        "answers": {
            "database": {"answers": ["Postgres (Recommended)"]},
            "name": {"answers": ["user_note: payments-api"]},
        }
    }
    assert [p for p, _ in prompts(result)] == [first["prompt"], second["prompt"]]


def test_dismissed_questions_tell_the_model(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    use_gpt55(nvim_env)
    model.script(
        Reply([FunctionCall("request_user_input", {"questions": [DB]}, "ask1")]),
        Reply([Text("I will pick Postgres then.")]),
    )
    result = passed(run_nvim("questions_dismissed", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "answered", result["command"]
    assert "> *dismissed*" in result["chat"]
    (output,) = outputs(model, 1)
    first, note = output.split("\n", 1)
    assert json.loads(first) == {"answers": {}}
    assert "dismissed" in note


def test_a_question_the_server_withdrew_ignores_the_late_answer(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    use_gpt55(nvim_env)
    config = Path(nvim_env["CODEX_HOME"]) / "config.toml"
    config.write_text("approval_timeout_sec = 1\n" + config.read_text())
    model.script(
        Reply([FunctionCall("request_user_input", {"questions": [DB]}, "ask1")]),
        Reply([Text("I will pick Postgres then.")]),
    )
    result = passed(run_nvim("questions_withdrawn", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "answered", result["command"]
    assert result["unused"] == 0
    assert result["held_prompt"][0] == "Postgres (Recommended) — Matches production."
    chat = result["chat"]
    assert "> *withdrawn: Codex stopped waiting for an answer*" in chat
    assert "> *dismissed*" not in chat
    # The late pick is not written anywhere, and reached neither the server nor the model.
    assert result["chat_after"] == chat
    assert not [line for line in chat if line.startswith("> → ")]
    timed_out = [n["message"] for n in result["notifications"] if "stopped waiting" in n["message"]]
    assert len(timed_out) == 1, result["notifications"]
    assert len(model.requests) == 2
    (output,) = outputs(model, 1)
    assert "Postgres" not in output.split("\n", 1)[0]
