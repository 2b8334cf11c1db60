"""Who is calling: the headers Codex sends with every model request, with our names.

`originator` names the client (Codex: `codex_cli_rs`; ours: `codex_lsp`), `version`
its version, `session_id` the conversation (thread) id, and `User-Agent` is
`codex_lsp/<version> (<os> <release>; <arch>) <editor>/<editor version>`.
"""

from __future__ import annotations

import platform

from codex_lsp import __version__

ORIGINATOR = "codex_lsp"


def _header_safe(text: str) -> str:
    """Printable ASCII only: an editor's name must not break (or inject) a header."""
    return "".join(c if " " <= c <= "~" else "_" for c in text).strip()


def user_agent(editor: str | None = None) -> str:
    """`codex_lsp/<version> (<os> <release>; <arch>) <editor>`."""
    system = f"{platform.system()} {platform.release()}; {platform.machine()}"
    agent = f"{ORIGINATOR}/{__version__} ({system})"
    if editor:
        agent += f" {editor}"
    return _header_safe(agent)


def editor_name(name: str | None, version: str | None) -> str | None:
    """`name/version` from the client's `clientInfo` (None when it sent none)."""
    if not name:
        return None
    return f"{name}/{version}" if version else name


def request_headers(session_id: str, editor: str | None = None) -> dict[str, str]:
    """The identity headers of one request of thread `session_id`."""
    return {
        "originator": ORIGINATOR,
        "User-Agent": user_agent(editor),
        "version": __version__,
        "session_id": _header_safe(session_id),
    }
