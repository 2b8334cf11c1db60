"""One remote MCP tool, offered to the model as an ordinary function tool.

MCP tools run arbitrary code on the user's machine or somewhere else on their
behalf, so every call goes through the approval policy exactly like a shell
command: the user is asked (a request of kind ``"mcp"`` naming server and
tool, with the arguments as the reason) unless the policy is ``never`` or they
approved that tool for the session. That session approval is an MCP key
(`ActionKey.mcp`), never confused with the approval of a shell command.
Errors are sorted by audience: a rejected call and a tool's own ``isError``
result go to the model; timeouts and a dead server become a `ToolFailure` the
model sees as an error it may work around.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import mcp.types as mt

from codex_lsp.approvals import ActionKey, ApprovalPolicy
from codex_lsp.core.protocol import CommandRequest
from codex_lsp.mcp.naming import qualified_tool_name
from codex_lsp.mcp.results import result_text
from codex_lsp.tools.base import ToolContext, ToolFailure

log = logging.getLogger(__name__)

#: Output when the user says no.
REJECTED_OUTPUT = "tool call rejected by user"
#: Longest argument JSON shown in the approval prompt.
MAX_REASON_CHARS = 500


class ToolCaller(Protocol):
    """The server connection a tool calls through (see `codex_lsp.mcp.manager`)."""

    async def ensure_running(self) -> None:
        """Return when the server can take calls (restarting it if due).

        Raises `ToolFailure` saying why not, when it cannot.
        """
        ...

    async def call_tool(self, tool: str, args: dict[str, Any]) -> mt.CallToolResult:
        """Call ``tool``; transport problems and timeouts raise `ToolFailure`."""
        ...


def approval_key(server: str, tool: str) -> ActionKey:
    """What "approve for session" remembers for this tool (an MCP key, not a shell argv)."""
    return ActionKey.mcp(server, tool)


def _reason(args: dict[str, Any]) -> str:
    """The call's arguments as compact JSON, cut to fit an approval prompt."""
    try:
        text = json.dumps(args, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(args)
    if len(text) > MAX_REASON_CHARS:
        text = text[: MAX_REASON_CHARS - 1] + "…"
    return text


@dataclass
class McpTool:
    """A tool of one MCP server under its model-facing name ``<server>__<tool>``."""

    name: str
    description: str
    parameters: dict[str, Any]
    server: str
    """The server id from ``[mcp_servers.<id>]``."""
    tool: str
    """The tool's name on its server."""
    read_only_hint: bool = False
    """The server says the tool does not modify its environment (advisory only)."""
    caller: ToolCaller | None = field(default=None, repr=False, compare=False)

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        if self.caller is None:
            raise ToolFailure(f"mcp server {self.server!r} is not available")
        # No point asking the user about a call that cannot happen.
        await self.caller.ensure_running()
        key = approval_key(self.server, self.tool)
        if ctx.policy != ApprovalPolicy.NEVER and not ctx.approvals.approved(key):
            request = CommandRequest(
                thread_id=ctx.thread_id,
                command=["mcp", self.server, self.tool],
                cwd=ctx.workspace.primary,
                reason=_reason(args),
                kind="mcp",
                server=self.server,
                tool=self.tool,
            )
            decision = await ctx.host.approve_command(request)
            if decision == "approveForSession":
                ctx.approvals.approve(key)
            elif decision != "approve":
                return REJECTED_OUTPUT
        result = await self.caller.call_tool(self.tool, args)
        text = result_text(result)
        if result.is_error:
            # The turn loop reports a ToolFailure to the model as "Error: <text>".
            raise ToolFailure(text)
        return text


def model_tools(
    server: str, remotes: list[mt.Tool], caller: ToolCaller, taken: set[str]
) -> list[McpTool]:
    """One `McpTool` per remote tool, named ``<server>__<tool>``, skipping names in ``taken``."""
    out: list[McpTool] = []
    for remote in remotes:
        qualified = qualified_tool_name(server, remote.name)
        if qualified in taken:
            log.warning(
                "mcp tool %r of server %r skipped: its name %r is already taken",
                remote.name,
                server,
                qualified,
            )
            continue
        taken.add(qualified)
        out.append(
            McpTool(
                name=qualified,
                description=remote.description
                or remote.title
                or f"Tool {remote.name!r} of MCP server {server!r}.",
                parameters=_parameters(remote.input_schema),
                server=server,
                tool=remote.name,
                read_only_hint=bool(remote.annotations and remote.annotations.read_only_hint),
                caller=caller,
            )
        )
    return out


def _parameters(schema: dict[str, Any] | None) -> dict[str, Any]:
    """The tool's input schema as function parameters (an object schema, always)."""
    params = dict(schema or {})
    params.setdefault("type", "object")
    if params.get("type") == "object":
        params.setdefault("properties", {})
    return params
