"""Code intelligence end to end: a plain LSP client, codex-lsp, and a configured basedpyright.

The editor here has no plugin (no `codex/*` capability): codex-lsp starts the
language server from `[lsp_servers.pyright]` itself. An edit that introduces a
type error is followed, in the same turn, by the model seeing that error in the
tool result; the `lsp_*` tools answer from the real basedpyright.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import write_config
from tests.support.language_servers import basedpyright
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

TYPED = 'def greet(name: str) -> str:\n    return "hi " + name\n\n\nprint(greet("bob"))\n'
BREAK = """*** Begin Patch
*** Update File: typed.py
@@
-print(greet("bob"))
+print(greet(42))
*** End Patch
"""


def intel_config(extra: str = "") -> str:
    """basedpyright for *.py; a generous bound on the settle wait (it ends at the publish)."""
    command = json.dumps(basedpyright())
    return f"""
[lsp_servers.pyright]
command = {command}
files = ["*.py"]
request_timeout_sec = 120

[code_intel]
diagnostics_wait_ms = 30000
{extra}
"""


@pytest.fixture
def typed_workspace(workspace: Path) -> Path:
    (workspace / "typed.py").write_text(TYPED)
    (workspace / "pyrightconfig.json").write_text('{"typeCheckingMode": "standard"}\n')
    return workspace


def outputs(model: ScriptedModelServer) -> dict[str, str]:
    """Every tool output the model received, by call id."""
    found: dict[str, str] = {}
    for request in model.requests:
        for item in (request.body or {}).get("input", []):
            if item.get("type") == "function_call_output":
                found[item["call_id"]] = item["output"]
    return found


def tools_offered(model: ScriptedModelServer) -> list[str]:
    body: dict[str, Any] = model.requests[0].body or {}
    return [t.get("name", "") for t in body.get("tools", [])]


async def test_the_model_sees_the_type_error_its_edit_introduced_in_the_same_turn(
    editor: Editor, model: ScriptedModelServer, typed_workspace: Path, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, intel_config())
    model.script(
        Reply([FunctionCall("apply_patch", {"input": BREAK}, call_id="edit")]),
        Reply([Text("I broke it; fixing."), FunctionCall("lsp_diagnostics", {"path": "typed.py"}, call_id="diag")]),
        Reply([Text("Done.")]),
    )
    await editor.start()
    editor.open("typed.py", TYPED)
    editor.message_answers = ["Apply"]
    result = await editor.command("codex.runTask", {"prompt": "call greet with a number"})
    assert result["status"] == "applied", result
    seen = outputs(model)
    edit = seen["edit"]
    assert edit.startswith("Success. Updated the following files:\nM typed.py\n")
    assert "Diagnostics after this edit (pyright): 1 error introduced by this edit:" in edit
    assert 'typed.py:5:13: error: Argument of type "Literal[42]"' in edit
    assert "[basedpyright reportArgumentType]" in edit
    assert "Already there" not in edit
    assert seen["diag"].startswith("typed.py: 1 problem(s) (pyright):")
    assert "lsp_definition" in tools_offered(model)


async def test_query_tools_answer_from_the_real_language_server(
    editor: Editor, model: ScriptedModelServer, typed_workspace: Path, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, intel_config())
    at_call = {"path": "typed.py", "line": 5, "symbol": "greet"}
    model.script(
        Reply(
            [
                FunctionCall("lsp_definition", at_call, call_id="def"),
                FunctionCall("lsp_references", at_call, call_id="refs"),
                FunctionCall("lsp_hover", at_call, call_id="hover"),
                FunctionCall("lsp_document_symbols", {"path": "typed.py"}, call_id="outline"),
                FunctionCall("lsp_workspace_symbols", {"query": "greet"}, call_id="find"),
                FunctionCall("lsp_hover", {"path": "../elsewhere.py", "line": 1, "column": 1}, call_id="out"),
            ]
        ),
        Reply([Text("greet takes a str.")]),
    )
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "what does greet take?"})
    assert result["status"] == "answered", result
    seen = outputs(model)
    assert seen["def"] == "typed.py:1:5: def greet(name: str) -> str:"
    assert seen["refs"].splitlines() == [
        "typed.py:1:5: def greet(name: str) -> str:",
        'typed.py:5:7: print(greet("bob"))',
    ]
    assert "def greet(name: str) -> str" in seen["hover"]
    assert seen["outline"].splitlines()[0] == "function greet  L1-2"
    assert "function greet  typed.py:1" in seen["find"]
    assert "outside the workspace" in seen["out"]


def user_prompt(model: ScriptedModelServer) -> str:
    body: dict[str, Any] = model.requests[0].body or {}
    texts = [
        part.get("text", "")
        for item in body.get("input", [])
        if item.get("role") == "user"
        for part in item.get("content", [])
    ]
    return "\n".join(texts)


async def test_a_review_gets_the_language_servers_errors_in_the_reviewed_lines(
    editor: Editor, model: ScriptedModelServer, typed_workspace: Path, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, intel_config())
    broken = TYPED.replace('greet("bob")', "greet(42)") + "x: int = 'seven'\n"
    (typed_workspace / "typed.py").write_text(broken)
    answer = {
        "findings": [],
        "overall_correctness": "patch is incorrect",
        "overall_explanation": "greet gets an int.",
        "overall_confidence_score": 0.9,
    }
    model.script(Reply([Text(json.dumps(answer))]))
    await editor.start()
    uri = editor.open("typed.py", broken)
    lines_1_to_5 = {"start": {"line": 0, "character": 0}, "end": {"line": 4, "character": 16}}
    result = await editor.command(
        "codex.review", {"scope": "selection", "uri": uri, "range": lines_1_to_5}
    )
    assert result["status"] == "answered", result
    prompt = user_prompt(model)
    assert "The editor's language servers report these problems in the reviewed lines (pyright)" in prompt
    assert '- typed.py:5:13: error: Argument of type "Literal[42]"' in prompt
    assert "typed.py:6" not in prompt  # the error on line 6 is outside the reviewed lines
