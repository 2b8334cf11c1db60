"""The MCP resource tools' schemas are Codex 0.169's (against a real MCP server process:
tests/integration/test_mcp_resources.py)."""

from __future__ import annotations

import json
from pathlib import Path

from codex_lsp.mcp.resources import ListMcpResources, ListMcpResourceTemplates, ReadMcpResource

FIXTURE = Path(__file__).parents[1] / "fixtures" / "codex-0.169-tools.json"


def test_schemas_are_codex_0169s() -> None:
    recorded = {t.get("name"): t for t in json.loads(FIXTURE.read_text())["gpt-5.5"]}
    for tool in (ListMcpResources, ListMcpResourceTemplates, ReadMcpResource):
        assert recorded[tool.name]["parameters"] == tool.parameters
        assert recorded[tool.name]["description"] == tool.description
