"""The turn's context as Codex 0.169 sends it: a permissions block and `<environment_context>`.

For the OpenAI provider (Responses wire, API key or ChatGPT sign-in) a request carries no
`instructions`: the prompt is a `developer` message, then a `developer` message saying what
the sandbox and approval policy allow, then a `user` message with the environment (cwd,
shell, date, time zone, workspace roots), then the conversation.  These are rebuilt for
each turn (the date and roots may change) and never stored in the thread's history.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import TYPE_CHECKING

from codex_lsp.core.items import MessageItem, ResponseItem, developer_message

if TYPE_CHECKING:
    from codex_lsp.config import LoadedConfig
    from codex_lsp.core.workspace import Workspace

def escape(text: str) -> str:
    """`&`, `<` and `>` as XML entities (xml.sax.saxutils' escape, without its imports)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


_SANDBOX = {
    "read-only": "The sandbox only permits reading files.",
    "workspace-write": (
        "The sandbox permits reading files, and editing files in the workspace roots."
    ),
    "danger-full-access": "No filesystem sandboxing: commands may read and write anywhere.",
}
_APPROVAL = {
    "untrusted": (
        "Commands other than known-safe read-only ones are shown to the user for approval "
        "before they run."
    ),
    "on-request": (
        "Commands run in the sandbox; a command that needs more than the sandbox allows is "
        "shown to the user for approval."
    ),
    "on-failure": (
        "Commands run in the sandbox; when one fails there, the user is asked whether to run "
        "it without the sandbox."
    ),
    "never": (
        "Commands are never shown to the user for approval: what the sandbox refuses fails."
    ),
}
EDIT_REVIEW = (
    "Every file change is made with apply_patch and shown to the user as a diff to accept or "
    "reject before it is written."
)


def permissions_message(sandbox_mode: str, approval_policy: str, network: bool) -> MessageItem:
    """The `<permissions instructions>` developer message for this configuration."""
    network_text = "enabled" if network else "restricted"
    lines = [
        "<permissions instructions>",
        "Filesystem sandboxing defines which files can be read or written. "
        f"`sandbox_mode` is `{sandbox_mode}`: {_SANDBOX.get(sandbox_mode, '')} "
        f"Network access is {network_text}.",
        f"Approval policy is currently {approval_policy}. {_APPROVAL.get(approval_policy, '')}",
        EDIT_REVIEW,
        "</permissions instructions>",
    ]
    return developer_message("\n".join(lines))


def local_timezone() -> str:
    """The IANA time zone name (`TZ`, else /etc/timezone, else /etc/localtime's target)."""
    tz = os.environ.get("TZ", "").strip().lstrip(":")
    if (tz and "/" in tz) or tz in ("UTC", "GMT"):
        return tz
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
    except OSError:
        name = ""
    if name:
        return name
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        return target.split("zoneinfo/", 1)[1]
    return datetime.datetime.now().astimezone().tzname() or "UTC"


def shell_name() -> str:
    """The user's shell by name (`bash`, `zsh`, ...), as Codex reports it."""
    return Path(os.environ.get("SHELL", "") or "bash").name


def environment_context(
    cwd: Path, roots: list[Path], today: datetime.date | None = None
) -> MessageItem:
    """The `<environment_context>` user message, in Codex's layout."""
    today = today or datetime.datetime.now().astimezone().date()
    listed = "".join(f"<root>{escape(str(root))}</root>" for root in roots)
    text = "\n".join(
        [
            "<environment_context>",
            f"  <cwd>{escape(str(cwd))}</cwd>",
            f"  <shell>{escape(shell_name())}</shell>",
            f"  <current_date>{today.isoformat()}</current_date>",
            f"  <timezone>{escape(local_timezone())}</timezone>",
            f"  <filesystem><workspace_roots>{listed}</workspace_roots></filesystem>",
            "</environment_context>",
        ]
    )
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def turn_context(
    cwd: Path, roots: list[Path], sandbox_mode: str, approval_policy: str, network: bool
) -> list[MessageItem]:
    """What goes between the prompt and the conversation: permissions, then the environment."""
    return [
        permissions_message(sandbox_mode, approval_policy, network),
        environment_context(cwd, roots),
    ]


def turn_extras(
    loaded: LoadedConfig, workspace: Workspace, thread_id: str
) -> tuple[list[ResponseItem], dict[str, str]]:
    """The context messages and `client_metadata` of a new turn of `thread_id`."""
    from codex_lsp.models.identity import new_turn_id, turn_metadata

    cfg = loaded.config
    network = cfg.sandbox_mode == "danger-full-access" or (
        cfg.sandbox_mode == "workspace-write" and cfg.sandbox_workspace_write.network_access
    )
    context: list[ResponseItem] = [
        *turn_context(
            workspace.primary, list(workspace.roots), cfg.sandbox_mode, cfg.approval_policy, network
        )
    ]
    return context, turn_metadata(thread_id, new_turn_id())
