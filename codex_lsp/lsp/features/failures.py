"""Nothing fails silently: a `failed` command result also reaches the user as a message.

Our VS Code and Neovim plugins (they announce `experimental.codexApproval`) show a
command's result themselves. Other editors (Helix, eglot, Kate, core Neovim) drop
the result of a command run from a code action, so for them every failure is
also sent as one `window/showMessage` line (Error) that ends with what to do next.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codex_lsp.lsp.features.command_results import CommandResult
    from codex_lsp.lsp.session.client import Client

MAX_MESSAGE = 400
"""Characters of the error kept in the one-line message."""

NEXT_STEP = "Run `codex-lsp check` or see the codex-lsp log for details."
_ADVICE = re.compile(
    r"\b(set|sign in|run|add|check|fix|cancel|try|install|use|select|open|save)\b|\?",
    re.IGNORECASE,
)
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def command_label(command: str) -> str:
    """`codex.editSelection` -> `Edit selection`, as the user knows the command."""
    words = _CAMEL.sub(" ", command.removeprefix("codex.")).lower()
    return words[:1].upper() + words[1:]


def failure_message(command: str, error: Any) -> str:
    """One line: which command failed, why, and the next step (unless the error says it)."""
    reason = " ".join(str(error or "no reason given").split())
    if len(reason) > MAX_MESSAGE:
        reason = reason[: MAX_MESSAGE - 1] + "…"
    message = f"Codex: {command_label(command)} failed: {reason}"
    if not _ADVICE.search(reason):
        message = f"{message.rstrip('.')}. {NEXT_STEP}"
    return message


def report_failure(client: Client, command: str, result: CommandResult) -> None:
    """Show a `failed` result to users whose editor does not show results itself."""
    if result.status != "failed" or client.caps.codex_approval:
        return
    error = result.error if isinstance(result.error, str) else None
    if error and client.recently_shown(error):
        return  # already said (e.g. a failed sign-in shows its reason itself)
    client.show_message(failure_message(command, error), 1)
