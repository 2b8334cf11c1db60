"""The daemon's first start: start the zygote, answer early while it loads, then hand over.

Serving the first window in-process and starting a zygote beside it would load
the server twice (twice the CPU during start-up) and keep two copies for as long
as that window lives. Instead the zygote loads once, in its own process, while
this one answers `initialize` and code actions from `lsp.rpc.fast_start` (they
depend on the request alone); the bytes read meanwhile travel with the handoff,
and the forked server processes them, skipping what was already answered. If the
zygote fails to come up, this process serves with what it read, as without the
daemon.
"""

from __future__ import annotations

import os
import select

from codex_lsp.daemon import stub
from codex_lsp.lsp.rpc.fast_start import EarlyStart, answer_initialize, answer_until_loaded

READY_TIMEOUT_S = 120.0
"""Longest wait for a zygote to load (a very slow disk); after it, serve in-process."""


def serve_first(argv: list[str]) -> int | EarlyStart | None:
    """The server's exit code; else what was read, to serve in-process (None: nothing read).

    `CODEX_LSP_EARLY_INITIALIZE=0` turns the early answers off, as without the daemon.
    """
    found = stub._place()
    if found is None:
        return None
    ready = stub.spawn_zygote(*found)
    if ready is None:
        return None
    early = None
    try:
        if os.environ.get("CODEX_LSP_EARLY_INITIALIZE", "1") != "0":
            early = answer_initialize(0, 1)
            early = answer_until_loaded(early, ready, 0, 1)
        select.select([ready], [], [], READY_TIMEOUT_S)  # ready, or gone (end of file)
    finally:
        os.close(ready)
    code = stub.serve_remote(argv, early)
    return early if code is None else code
