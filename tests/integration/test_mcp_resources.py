"""The MCP resource tools against a real MCP server process (tests/support/mcp_server.py):
Codex's schemas and JSON answers, pagination rules, errors, and MCP tools' approval rules."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.approvals import ApprovalPolicy
from codex_lsp.mcp import REJECTED_OUTPUT
from codex_lsp.mcp.resources import ListMcpResources, ListMcpResourceTemplates, ReadMcpResource
from codex_lsp.tools.base import ToolFailure
from tests.integration.test_mcp_manager import FakeHost, context, start, stdio

__all__ = ["start"]  # the fixture, used by name


async def test_list_and_read_resources_as_codex_answers(start: Any, tmp_path: Path) -> None:
    manager = await start(docs=stdio(), other=stdio())
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)

    listed = json.loads(await ListMcpResources(manager).run(ctx, {"server": "docs"}))
    assert listed["server"] == "docs" and "nextCursor" not in listed
    by_uri = {r["uri"]: r for r in listed["resources"]}
    assert by_uri["test://readme"] == {
        "server": "docs",
        "uri": "test://readme",
        "name": "readme",
        "description": "The project readme.",
        "mimeType": "text/plain",
    }
    everything = json.loads(await ListMcpResources(manager).run(ctx, {}))
    assert "server" not in everything
    assert sorted({r["server"] for r in everything["resources"]}) == ["docs", "other"]

    templates = json.loads(await ListMcpResourceTemplates(manager).run(ctx, {"server": "docs"}))
    (greeting,) = templates["resourceTemplates"]
    assert (greeting["server"], greeting["uriTemplate"]) == ("docs", "test://greeting/{name}")

    read = json.loads(await ReadMcpResource(manager).run(ctx, {"server": "docs", "uri": "test://greeting/ada"}))
    assert read["server"] == "docs" and read["uri"] == "test://greeting/ada"
    assert read["contents"][0]["text"] == "Hello, ada!"
    logo = json.loads(await ReadMcpResource(manager).run(ctx, {"server": "docs", "uri": "test://logo"}))
    assert base64.b64decode(logo["contents"][0]["blob"]).startswith(b"\x89PNG")


async def test_bad_calls_go_back_to_the_model(start: Any, tmp_path: Path) -> None:
    manager = await start(docs=stdio())
    ctx = context(FakeHost(), tmp_path, ApprovalPolicy.NEVER)
    with pytest.raises(ToolFailure, match="cursor can only be used when a server is specified"):
        await ListMcpResources(manager).run(ctx, {"cursor": "abc"})
    with pytest.raises(ToolFailure, match="unknown MCP server 'nope' \\(configured: docs\\)"):
        await ReadMcpResource(manager).run(ctx, {"server": "nope", "uri": "test://readme"})
    with pytest.raises(ToolFailure, match="resources/read of 'test://missing'"):
        await ReadMcpResource(manager).run(ctx, {"server": "docs", "uri": "test://missing"})
    with pytest.raises(ToolFailure, match="required"):
        await ReadMcpResource(manager).run(ctx, {"server": "docs"})


async def test_approval_as_for_mcp_tools(start: Any, tmp_path: Path) -> None:
    manager = await start(docs=stdio())
    host = FakeHost("reject", "approveForSession")
    ctx = context(host, tmp_path, ApprovalPolicy.ON_REQUEST)
    args = {"server": "docs", "uri": "test://readme"}
    assert await ReadMcpResource(manager).run(ctx, args) == REJECTED_OUTPUT
    assert "Read me first." in await ReadMcpResource(manager).run(ctx, args)
    assert "Read me first." in await ReadMcpResource(manager).run(ctx, args)  # not asked again
    first, second = host.asked
    assert (first.kind, first.server, first.tool) == ("mcp", "docs", "read_mcp_resource")
    assert second.reason is not None and "test://readme" in second.reason
    # Another tool of the same server is another approval; "all servers" is asked as `*`.
    host.answers.append("approve")
    await ListMcpResources(manager).run(ctx, {})
    assert (host.asked[-1].server, host.asked[-1].tool) == ("*", "list_mcp_resources")
