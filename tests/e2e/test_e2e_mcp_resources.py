"""MCP resources end to end: with an MCP server configured, gpt-5.5 is offered Codex's
three resource tools; the model lists and reads a resource through the real server
(and the official SDK), the read asked about as an MCP tool call."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.e2e.test_e2e_exec_command import outputs, write_gpt55_config
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

MCP_SERVER = Path(__file__).resolve().parents[1] / "support" / "mcp_server.py"


async def test_list_and_read_a_resource_with_approval(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    servers = (
        'approval_policy = "untrusted"\n'
        f'[mcp_servers.docs]\ncommand = "{sys.executable}"\nargs = ["{MCP_SERVER}"]\nstartup_timeout_sec = 20\n'
    )
    write_gpt55_config(codex_home, model.base_url, servers)
    model.script(
        Reply([FunctionCall("list_mcp_resources", {"server": "docs"}, "l1")]),
        Reply([FunctionCall("read_mcp_resource", {"server": "docs", "uri": "test://readme"}, "r1")]),
        Reply([Text("It says: read me first.")]),
    )
    await editor.start(codex_approval=True)
    editor.command_answers = ["approveForSession", "approve"]
    result = await editor.command("codex.runTask", {"prompt": "what does the readme say?"}, timeout=60)
    assert result["status"] == "answered", result
    body = model.requests[0].body
    assert body is not None
    names = [t.get("name") for t in body["tools"]]
    assert {"list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource"} <= set(names)
    listed = json.loads(outputs(model, 1)[-1])
    assert "test://readme" in [r["uri"] for r in listed["resources"]]
    read = json.loads(outputs(model, 2)[-1])
    assert read["contents"][0]["text"] == "Read me first."
    asked = [(r["kind"], r["server"], r["tool"]) for r in editor.state.approve_commands]
    assert asked == [("mcp", "docs", "list_mcp_resources"), ("mcp", "docs", "read_mcp_resource")]
