"""Names under which MCP tools are offered to the model.

Model APIs accept function names matching ``^[a-zA-Z0-9_-]{1,64}$`` only, and
tools from different servers may share a name, so every remote tool is offered
as ``<server>__<tool>`` (Codex's delimiter), with anything else replaced by
``_`` and over-long names shortened to 64 characters while staying unique (a
short hash of the full name replaces the tail).
"""

from __future__ import annotations

import hashlib
import re

#: Separates the server id from the tool name, as in Codex.
DELIMITER = "__"
#: Longest function name the model APIs accept.
MAX_TOOL_NAME_LENGTH = 64
_HASH_CHARS = 12
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


def sanitize(name: str) -> str:
    """Replace characters the model APIs reject with ``_``."""
    return _UNSAFE.sub("_", name) or "_"


def qualified_tool_name(server: str, tool: str) -> str:
    """The model-facing name of ``tool`` on ``server``: safe characters, at most 64 long.

    Names that fit are kept readable; longer ones keep their head and end in a
    hash of the full (unsanitized) pair, so two long names that share a prefix
    still differ.
    """
    name = sanitize(f"{server}{DELIMITER}{tool}")
    if len(name) <= MAX_TOOL_NAME_LENGTH:
        return name
    digest = hashlib.sha1(f"{server}\0{tool}".encode(), usedforsecurity=False).hexdigest()
    head = MAX_TOOL_NAME_LENGTH - _HASH_CHARS - 1
    return f"{name[:head]}_{digest[:_HASH_CHARS]}"
