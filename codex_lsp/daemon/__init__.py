"""An opt-in start-up daemon: later editor windows get a loaded server in milliseconds.

Loading pygls and lsprotocol costs most of a second, every start. With
`codex-lsp --daemon` (or `CODEX_LSP_DAEMON=1`) the first start launches a
*zygote*: a background process that imports the server once and waits on a
private Unix socket; it answers `initialize` while the zygote loads
(`first_start`). Every `codex-lsp --daemon`, the first included, is then a thin
stub: it hands its stdin/stdout/stderr, environment, working directory and
arguments to the zygote, which forks a child that serves the editor on those very
file descriptors, with exactly that environment and directory. Each editor
window is its own process (the loaded code's pages are shared, copy-on-write;
live state such as HTTP connections and tokens is not), so settings,
workspaces and credentials never mix. MCP stdio servers are the exception: a
broker process beside the zygote (`daemon.broker`, `mcp.hub`) runs one for
every window whose entry, directory and inherited environment are identical,
and keeps it `CODEX_LSP_MCP_IDLE` seconds (default 300) after the last such
window closes. The stub then waits as a tiny shell and exits with the server's
exit code.

Safety: the socket lives in a 0700 folder (`$XDG_RUNTIME_DIR/codex-lsp`, else
`$CODEX_HOME/run`) and the zygote serves only its own user (`SO_PEERCRED`). Its
name carries a fingerprint of the version, the interpreter and the installed
code, and the handshake checks it again, so a stub never talks to a zygote of
other code. The zygote exits after `CODEX_LSP_DAEMON_IDLE` seconds (default 900)
without a connection or a live window, or when its socket file is removed (its
broker ends with it). When it cannot be
reached or fails, the stub says so on stderr and serves in-process; a server that
dies ends its stub with a message, so the editor sees a normal server exit.
`--no-daemon` turns it off whatever the environment says.
"""

from __future__ import annotations

import os

mcp_broker: str | None = None
"""In a window the zygote forked: the socket of the daemon's MCP broker (None elsewhere)."""

DAEMON_ENV = "CODEX_LSP_DAEMON"
"""`1`: use the daemon without `--daemon` (`--no-daemon` still wins)."""


def wanted(on: bool, off: bool) -> bool:
    """`--no-daemon` wins, then `--daemon`, then `CODEX_LSP_DAEMON=1` (nothing else imported)."""
    if off:
        return False
    return on or os.environ.get(DAEMON_ENV, "").strip() == "1"
