"""The table of every command the server registers, in `wire.COMMANDS` order.

Importing the feature modules runs their `@command` registrations.
"""

from __future__ import annotations

from codex_lsp import wire
from codex_lsp.lsp.features import (  # noqa: F401  (imported for their registrations)
    inline_completion,
    pending_decisions,
    prompt_commands,
    review,
    selection_commands,
    sign_in,
    status,
    threads,
)
from codex_lsp.lsp.features.command_registry import COMMANDS, Command


def commands() -> dict[str, Command]:
    """Every command by id; fails loudly when a wire command has no handler."""
    missing = [name for name in wire.COMMANDS if name not in COMMANDS]
    extra = [name for name in COMMANDS if name not in wire.COMMANDS]
    if missing or extra:
        raise RuntimeError(f"commands without a handler: {missing}; not on the wire: {extra}")
    return {name: COMMANDS[name] for name in wire.COMMANDS}
