"""Goal tools end to end: gpt-5.5 is offered Codex 0.169's `get_goal`, `create_goal` and
`update_goal` (same place, names, schemas); the model creates a goal and reads it back
over the real server, the response's usage counts on it, and `codex.status` shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_e2e_exec_command import outputs, write_gpt55_config
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).parents[1] / "fixtures" / "codex-0.169-tools.json"
GOAL_TOOLS = ["get_goal", "create_goal", "update_goal"]
USAGE = {"input_tokens": 300, "input_tokens_details": {"cached_tokens": 100}, "output_tokens": 20}
"""Each response's usage: 220 tokens on the goal (non-cached input + output, as Codex counts)."""


async def test_gpt55_creates_and_reads_its_goal(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, 'approval_policy = "never"')
    create = {"objective": "Make the parser fast", "token_budget": 10000}
    model.script(
        Reply([FunctionCall("create_goal", create, "g1")], usage=USAGE),
        Reply([FunctionCall("get_goal", {}, "g2")], usage=USAGE),
        Reply([Text("Goal set.")], usage=USAGE),
    )
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "goal: make the parser fast"})
    assert result["status"] == "answered" and result["text"] == "Goal set.", result
    status = await editor.command("codex.status", {})

    body = model.requests[0].body
    assert body is not None
    names = [t.get("name") for t in body["tools"]]
    assert names[names.index("view_image") + 1 :][:3] == GOAL_TOOLS, names
    recorded = {t.get("name"): t for t in json.loads(FIXTURE.read_text())["gpt-5.5"]}
    for tool in body["tools"]:
        if tool.get("name") in GOAL_TOOLS:
            assert tool == recorded[tool["name"]], tool["name"]
    (created,) = outputs(model, 1)
    assert json.loads(created)["goal"]["status"] == "active"
    got = outputs(model, 2)[-1]
    goal = json.loads(got)
    assert goal["goal"]["objective"] == "Make the parser fast"
    assert goal["goal"]["tokensUsed"] == 220 and goal["remainingTokens"] == 10000 - 220
    assert status["goal"]["objective"] == "Make the parser fast", status
    assert status["goal"]["status"] == "active" and status["goal"]["tokensUsed"] == 440
