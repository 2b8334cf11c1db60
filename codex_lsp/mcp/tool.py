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
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from codex_lsp.approvals import ActionKey, ApprovalPolicy
from codex_lsp.core.protocol import CommandRequest
from codex_lsp.mcp.naming import qualified_tool_name
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

    async def call_for_model(self, tool: str, args: dict[str, Any]) -> tuple[str, bool]:
        """Call ``tool``: the text the model reads and whether the tool reported an error.

        Transport problems and timeouts raise `ToolFailure`.
        """
        ...


@dataclass(frozen=True)
class RemoteTool:
    """What the model is told of one tool of a server (from its ``tools/list`` entry).

    Plain data, so a window served by the broker needs no MCP SDK to offer it.
    """

    name: str
    description: str | None = None
    title: str | None = None
    input_schema: dict[str, Any] | None = None
    read_only: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RemoteTool:
        schema = data.get("input_schema")
        return cls(
            name=str(data["name"]),
            description=data.get("description") if isinstance(data.get("description"), str)
            else None,
            title=data.get("title") if isinstance(data.get("title"), str) else None,
            input_schema=schema if isinstance(schema, dict) else None,
            read_only=data.get("read_only") is True,
        )


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
        text, is_error = await self.caller.call_for_model(self.tool, args)
        if is_error:
            # The turn loop reports a ToolFailure to the model as "Error: <text>".
            raise ToolFailure(text)
        return text


def model_tools(
    server: str, remotes: list[RemoteTool], caller: ToolCaller, taken: set[str]
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
                read_only_hint=remote.read_only,
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
