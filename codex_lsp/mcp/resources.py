"""Codex 0.169's MCP resource tools, with its schemas and its JSON answers.

`list_mcp_resources`, `list_mcp_resource_templates` and `read_mcp_resource`.
Resources are what MCP servers share as context (files, schemas, records).
The answers are Codex's: `{server?, resources: [{server, uri, name, ...}],
nextCursor?}`, `{server?, resourceTemplates: [...], nextCursor?}` and `{server,
uri, contents: [...]}`, compact JSON with the SDK's camelCase field names.
Every call goes through the approval rules of MCP tools (asked unless the
policy is `never` or the user approved that tool of that server for the
session); "all servers" is asked about as server `*`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from codex_lsp.approvals import ActionKey, ApprovalPolicy
from codex_lsp.core.protocol import CommandRequest
from codex_lsp.mcp.tool import REJECTED_OUTPUT, _reason
from codex_lsp.tools.base import Tool, ToolContext, ToolFailure
from codex_lsp.tools.codex_schemas import (
    LIST_MCP_RESOURCE_TEMPLATES_DESCRIPTION,
    LIST_MCP_RESOURCE_TEMPLATES_PARAMETERS,
    LIST_MCP_RESOURCES_DESCRIPTION,
    LIST_MCP_RESOURCES_PARAMETERS,
    READ_MCP_RESOURCE_DESCRIPTION,
    READ_MCP_RESOURCE_PARAMETERS,
)

if TYPE_CHECKING:
    from codex_lsp.mcp.manager import McpManager, McpServer

ALL_SERVERS = "*"
"""The server named in the approval question of a listing across every server."""


class _ResourceTool:
    name: str
    description: str
    parameters: dict[str, Any]
    read_only_hint = True

    def __init__(self, manager: McpManager) -> None:
        self._manager = manager

    def _server(self, name: str) -> McpServer:
        server = self._manager.servers.get(name)
        if server is None:
            known = ", ".join(sorted(self._manager.servers)) or "none"
            raise ToolFailure(f"unknown MCP server {name!r} (configured: {known})")
        return server

    async def _approved(self, ctx: ToolContext, server: str, args: dict[str, Any]) -> bool:
        """Ask as for an MCP tool call; True if it may go ahead."""
        key = ActionKey.mcp(server, self.name)
        if ctx.policy == ApprovalPolicy.NEVER or ctx.approvals.approved(key):
            return True
        request = CommandRequest(
            thread_id=ctx.thread_id,
            command=["mcp", server, self.name],
            cwd=ctx.workspace.primary,
            reason=_reason(args),
            kind="mcp",
            server=server,
            tool=self.name,
        )
        decision = await ctx.host.approve_command(request)
        if decision == "approveForSession":
            ctx.approvals.approve(key)
        return decision in ("approve", "approveForSession")


class _Listing(_ResourceTool):
    """A paginated listing, of one server or (first page only) of all of them."""

    method: str
    field: str

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        server = _optional(args, "server")
        cursor = _optional(args, "cursor")
        if server is None and cursor is not None:
            raise ToolFailure("cursor can only be used when a server is specified")
        if not await self._approved(ctx, server or ALL_SERVERS, args):
            return REJECTED_OUTPUT
        if server is not None:
            items, next_cursor = await self._page(server, cursor)
            return _json({"server": server, self.field: items, "nextCursor": next_cursor})
        everything: list[dict[str, Any]] = []
        for name in sorted(self._manager.servers):
            try:
                items, _ = await self._page(name, None)
            except ToolFailure:
                continue  # as Codex: a failing server is left out of the whole listing
            everything.extend(items)
        return _json({self.field: everything})

    async def _page(self, server: str, cursor: str | None) -> tuple[list[dict[str, Any]], Any]:
        items, next_cursor = await self._server(server).list_page(self.method, cursor)
        return [{"server": server, **item} for item in items], next_cursor


class ListMcpResources(_Listing):
    """`list_mcp_resources {server?, cursor?}`."""

    name = "list_mcp_resources"
    description = LIST_MCP_RESOURCES_DESCRIPTION
    parameters = LIST_MCP_RESOURCES_PARAMETERS
    method = "list_resources"
    field = "resources"


class ListMcpResourceTemplates(_Listing):
    """`list_mcp_resource_templates {server?, cursor?}`."""

    name = "list_mcp_resource_templates"
    description = LIST_MCP_RESOURCE_TEMPLATES_DESCRIPTION
    parameters = LIST_MCP_RESOURCE_TEMPLATES_PARAMETERS
    method = "list_resource_templates"
    field = "resourceTemplates"


class ReadMcpResource(_ResourceTool):
    """`read_mcp_resource {server, uri}`."""

    name = "read_mcp_resource"
    description = READ_MCP_RESOURCE_DESCRIPTION
    parameters = READ_MCP_RESOURCE_PARAMETERS

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        server = _optional(args, "server")
        uri = _optional(args, "uri")
        if server is None or uri is None:
            raise ToolFailure("'server' and 'uri' are required (see list_mcp_resources)")
        connection = self._server(server)
        if not await self._approved(ctx, server, args):
            return REJECTED_OUTPUT
        contents = await connection.read_resource(uri)
        return _json({"server": server, "uri": uri, "contents": contents})


def resource_tools(manager: McpManager) -> list[Tool]:
    """The three tools over `manager`'s servers."""
    return [ListMcpResources(manager), ListMcpResourceTemplates(manager), ReadMcpResource(manager)]


def _optional(args: dict[str, Any], key: str) -> str | None:
    value = args.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ToolFailure(f"argument {key!r} must be a string")
    return value.strip()


def _json(payload: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in payload.items() if v is not None}, ensure_ascii=False)
