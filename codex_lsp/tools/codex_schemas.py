# ruff: noqa: E501  (descriptions are Codex's text, kept verbatim)
"""Parameter schemas of Codex 0.169's tools, as the real binary sends them.

Copied from the `tools` array the Codex CLI 0.169.0 sent for gpt-5.5
(tests/fixtures/codex-0.169-tools.json; a test compares them), so a model
trained on Codex sees exactly the parameters and descriptions it knows.
"""

from __future__ import annotations

from typing import Any

EXEC_COMMAND_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "cmd": {"type": "string", "description": "Shell command to execute."},
        "justification": {
            "type": "string",
            "description": "User-facing approval question for `require_escalated`; omit otherwise.",
        },
        "login": {
            "type": "boolean",
            "description": "True runs the shell with -l/-i semantics; false "
            "disables them. Defaults to true.",
        },
        "max_output_tokens": {
            "type": "number",
            "description": "Output token budget. Defaults to 10000 "
            "tokens; larger requests may be capped "
            "by policy.",
        },
        "prefix_rule": {
            "type": "array",
            "description": "Reusable approval prefix for `cmd`, only with "
            '`sandbox_permissions: "require_escalated"`; '
            'for example ["git", "pull"].',
            "items": {"type": "string"},
        },
        "sandbox_permissions": {
            "type": "string",
            "description": "Per-command sandbox override. "
            "Defaults to `use_default`; use "
            "`require_escalated` for unsandboxed "
            "execution.",
            "enum": ["use_default", "require_escalated"],
        },
        "shell": {
            "type": "string",
            "description": "Shell binary to launch. Defaults to the user's default shell.",
        },
        "tty": {
            "type": "boolean",
            "description": "True allocates a PTY for the command; false or "
            "omitted uses plain pipes.",
        },
        "workdir": {
            "type": "string",
            "description": "Working directory for the command. Defaults to the turn cwd.",
        },
        "yield_time_ms": {
            "type": "number",
            "description": "Wait before yielding output. Defaults to "
            "10000 ms; effective range is 250-30000 "
            "ms.",
        },
    },
    "required": ["cmd"],
    "additionalProperties": False,
}

EXEC_COMMAND_DESCRIPTION = (
    "Runs a command in a PTY, returning output or a session ID for ongoing interaction."
)

WRITE_STDIN_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "chars": {
            "type": "string",
            "description": "Bytes to write to stdin. Defaults to empty, which "
            "polls without writing.",
        },
        "max_output_tokens": {
            "type": "number",
            "description": "Output token budget. Defaults to 10000 "
            "tokens; larger requests may be capped "
            "by policy.",
        },
        "session_id": {
            "type": "number",
            "description": "Identifier of the running unified exec session.",
        },
        "yield_time_ms": {
            "type": "number",
            "description": "Wait before yielding output. Non-empty "
            "writes default to 250 ms and cap at 30000 "
            "ms; empty polls wait 5000-300000 ms by "
            "default.",
        },
    },
    "required": ["session_id"],
    "additionalProperties": False,
}

WRITE_STDIN_DESCRIPTION = (
    "Writes characters to an existing unified exec session and returns recent output."
)

VIEW_IMAGE_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "description": "Local filesystem path to an image file."}
    },
    "required": ["path"],
    "additionalProperties": False,
}

VIEW_IMAGE_DESCRIPTION = "View a local image file from the filesystem when visual inspection is needed. Use this for images already available on disk."

LIST_MCP_RESOURCES_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "cursor": {
            "type": "string",
            "description": "Opaque cursor from a previous list_mcp_resources "
            "call; omit for the first page.",
        },
        "server": {
            "type": "string",
            "description": "MCP server name. Omit to list resources from every configured server.",
        },
    },
    "additionalProperties": False,
}

LIST_MCP_RESOURCES_DESCRIPTION = "Lists resources provided by MCP servers. Resources allow servers to share data that provides context to language models, such as files, database schemas, or application-specific information. Prefer resources over web search when possible."

LIST_MCP_RESOURCE_TEMPLATES_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "cursor": {
            "type": "string",
            "description": "Opaque cursor from a previous "
            "list_mcp_resource_templates call; omit for the "
            "first page.",
        },
        "server": {
            "type": "string",
            "description": "MCP server name. Omit to list resource templates "
            "from every configured server.",
        },
    },
    "additionalProperties": False,
}

LIST_MCP_RESOURCE_TEMPLATES_DESCRIPTION = "Lists resource templates provided by MCP servers. Parameterized resource templates allow servers to share data that takes parameters and provides context to language models, such as files, database schemas, or application-specific information. Prefer resource templates over web search when possible."

READ_MCP_RESOURCE_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "server": {
            "type": "string",
            "description": "MCP server name exactly as configured. Must match "
            "the 'server' field returned by "
            "list_mcp_resources.",
        },
        "uri": {
            "type": "string",
            "description": "Resource URI to read. Must be one of the URIs "
            "returned by list_mcp_resources.",
        },
    },
    "required": ["server", "uri"],
    "additionalProperties": False,
}

READ_MCP_RESOURCE_DESCRIPTION = (
    "Read a specific resource from an MCP server given the server name and resource URI."
)
