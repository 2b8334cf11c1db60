"""Which built-in tools each model family is offered: one table.

A model does its best work with the tools it was trained on. The Codex CLI
0.169 offers gpt-5.5 (recorded from the binary's own request,
tests/fixtures/codex-0.169-tools.json):

| Codex 0.169 (gpt-5.5)          | codex-lsp, family "codex"  | why they differ           |
|--------------------------------|----------------------------|---------------------------|
| exec_command, write_stdin      | same                       |                           |
| apply_patch (custom, grammar)  | same                       |                           |
| view_image                     | same                       |                           |
| list_mcp_resources,            | same, when MCP servers     |                           |
| list_mcp_resource_templates,   | are configured (as Codex)  |                           |
| read_mcp_resource              |                            |                           |
| -                              | update_plan                | our editors show the plan;|
|                                |                            | Codex moved to goals      |
| get_goal, create_goal,         | same (goal kept with the   | goal turns are not        |
| update_goal                    | thread; budgetLimited)     | continued automatically   |
| web_search (built-in)          | same (OpenAI provider on   | see tools/web_search.py   |
|                                | the Responses wire only)   |                           |
| request_user_input             | same (an inline question   | tools/user_input.py       |
|                                | in our plugins, else a     |                           |
|                                | message request)           |                           |
| tool_search, image_gen         | -                          | MCP tools are offered     |
|                                |                            | directly; no image API    |

Every other model (and any model on a Chat Completions provider) keeps the
set codex-lsp always offered ("default": read_file, list_dir, grep_files,
apply_patch, update_plan, shell; MCP resources when servers are configured).
Tools outside a family's set stay callable (hidden), so a resumed transcript
that used them still works.
Questions (tasks that may not edit) are offered the read-only tools of the
default set whatever the family: `exec_command` can change things.
"""

from __future__ import annotations

from codex_lsp.tools.registry import ToolRegistry

CODEX_PREFIXES = ("gpt-5", "codex-")
"""Model names (after any `vendor/` prefix) trained on Codex's tool set."""

TOOLSETS: dict[str, tuple[str, ...]] = {
    "codex": (
        "exec_command",
        "write_stdin",
        "list_mcp_resources",
        "list_mcp_resource_templates",
        "read_mcp_resource",
        "request_user_input",
        "apply_patch",
        "view_image",
        "get_goal",
        "create_goal",
        "update_goal",
        "update_plan",
    ),
    "default": (
        "read_file",
        "list_dir",
        "grep_files",
        "apply_patch",
        "update_plan",
        "shell",
        "list_mcp_resources",
        "list_mcp_resource_templates",
        "read_mcp_resource",
    ),
}
"""Built-in tools by family, in the order Codex sends them (names a registry lacks are skipped)."""


def family_of(model: str, wire_api: str) -> str:
    """The tool family of `model` on a provider speaking `wire_api`."""
    name = model.lower().rsplit("/", 1)[-1]
    if wire_api == "responses" and name.startswith(CODEX_PREFIXES):
        return "codex"
    return "default"


def tools_for(registry: ToolRegistry, model: str, wire_api: str) -> ToolRegistry:
    """`registry` offering only the family's built-ins; the rest stay callable."""
    offered = TOOLSETS[family_of(model, wire_api)]
    built_in = {name for names in TOOLSETS.values() for name in names}
    return registry.offering(offered, built_in - set(offered))
