"""The language servers' own errors in a reviewed range, as context for the review.

A reviewer that knows the type checker already flags line 12 can say why it
matters instead of rediscovering it, and does not miss it. Bounded like every
other diagnostics wait; without a backend, or on any failure, the review goes
on without this context.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from codex_lsp.config.intel import CodeIntelConfig
from codex_lsp.intel.backend import CodeIntel, DocText
from codex_lsp.intel.diagnostics import REPORTED

log = logging.getLogger(__name__)

HEADER = "The editor's language servers report these problems in the reviewed lines"


async def problems_in_range(
    intel: CodeIntel | None,
    settings: CodeIntelConfig,
    doc: DocText,
    lines: tuple[int, int],
    relative: Callable[[Path], str],
) -> str:
    """Errors and warnings on 1-based `lines` (inclusive) of `doc`, as a prompt paragraph.

    "" without a backend, when the feature is off, or when there are none.
    """
    if intel is None or not settings.diagnostics_after_edit or not intel.covers(doc.path):
        return ""
    wait = settings.diagnostics_wait_ms / 1000
    try:
        found = await asyncio.wait_for(intel.diagnostics([doc], False, wait), wait + 1.0)
    except Exception as exc:  # context only: never fail the review for it
        log.info("no diagnostics for the review of %s: %s", doc.path, exc)
        return ""
    first, last = lines
    shown = [
        d
        for d in found.get(doc.path, [])
        if d.severity in REPORTED and first <= d.line <= last
    ]
    if not shown:
        return ""
    shown.sort(key=lambda d: (d.line, d.column))
    listed = "\n".join(f"- {d.describe(relative)}" for d in shown[: settings.max_diagnostics])
    more = len(shown) - settings.max_diagnostics
    if more > 0:
        listed += f"\n- … and {more} more"
    return (
        f"{HEADER} ({intel.name}); report the real bugs among them as findings, "
        f"with why they matter:\n{listed}"
    )
