"""After an approved edit lands: tell the model which errors and warnings it introduced.

`apply_patch` calls `before_edit` once the edit is approved and `after_edit`
once it is applied; both are no-ops without a backend or with
`code_intel.diagnostics_after_edit = false`. Every wait is bounded by
`code_intel.diagnostics_wait_ms`; a backend that fails or is late costs the
turn at most that, and the model is told the check did not happen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from codex_lsp.core.protocol import FileEdit
from codex_lsp.intel.backend import CodeIntel, DocText, IntelUnavailable
from codex_lsp.intel.diagnostics import REPORTED, Diagnostic, introduced
from codex_lsp.tools.base import ToolContext

log = logging.getLogger(__name__)

Found = dict[Path, list[Diagnostic]]
_RANK = {"error": 0, "warning": 1, "info": 2, "hint": 3}


@dataclass
class EditCheck:
    """The state before an edit, fetched while the user reviews it and it is applied."""

    intel: CodeIntel
    files: list[FileEdit]
    wait: float
    before: asyncio.Task[Found]


def _covered(intel: CodeIntel, files: Sequence[FileEdit]) -> list[FileEdit]:
    return [f for f in files if f.kind != "delete" and intel.covers(f.move_to or f.path)]


def before_edit(ctx: ToolContext, files: Sequence[FileEdit]) -> EditCheck | None:
    """Start fetching the diagnostics of the files as they read before the edit."""
    settings = ctx.config.code_intel
    if ctx.intel is None or not settings.diagnostics_after_edit:
        return None
    covered = _covered(ctx.intel, files)
    if not covered:
        return None
    wait = settings.diagnostics_wait_ms / 1000
    docs = [DocText(f.path, f.old_text) for f in covered if f.kind == "update" and f.old_text]
    before = asyncio.ensure_future(_bounded(ctx.intel.diagnostics(docs, False, wait), wait))
    return EditCheck(ctx.intel, covered, wait, before)


def cancel(check: EditCheck | None) -> None:
    """The edit did not land: stop fetching."""
    if check is not None:
        check.before.cancel()


async def after_edit(ctx: ToolContext, check: EditCheck | None, applied: list[FileEdit]) -> str:
    """The paragraph appended to the tool result ("" when there is nothing to say).

    It starts with a newline: the result before it ends with one.

    `applied` is what landed (the user may have kept only some hunks or files).
    """
    if check is None:
        return ""
    check.files = _covered(check.intel, applied)
    if not check.files:
        cancel(check)
        return ""
    try:
        before = await check.before
        docs = [DocText(f.move_to or f.path, f.new_text or "") for f in check.files]
        after = await _bounded(check.intel.diagnostics(docs, True, check.wait), check.wait)
    except (IntelUnavailable, TimeoutError) as exc:
        reason = str(exc) or f"no answer within {check.wait:g} s"
        return f"\nDiagnostics were not checked ({check.intel.name}: {reason})."
    except Exception:  # a backend bug must not fail an edit that already landed
        log.exception("diagnostics after edit failed")
        return f"\nDiagnostics were not checked ({check.intel.name}: internal error)."
    return "\n" + report(
        check, before, after, ctx.config.code_intel.max_diagnostics, ctx.workspace.relative
    )


async def _bounded(work: Awaitable[Found], wait: float) -> Found:
    """`work` with a deadline a little past the settle wait (start-up, transport)."""
    return await asyncio.wait_for(work, wait + 1.0)


def report(
    check: EditCheck,
    before: Found,
    after: Found,
    cap: int,
    relative: Callable[[Path], str],
) -> str:
    """New errors and warnings by file and line (at most `cap`), and a count of the old ones."""
    new: list[Diagnostic] = []
    old: list[Diagnostic] = []
    for f in check.files:
        path = f.move_to or f.path
        found = [d for d in after.get(path, []) if d.severity in REPORTED]
        earlier = [d for d in before.get(f.path, []) if d.severity in REPORTED]
        fresh, kept = introduced(earlier, found, f.old_text or "", f.new_text or "")
        new.extend(fresh)
        old.extend(kept)
    new.sort(key=lambda d: (d.severity != "error", relative(d.path), d.line, d.column))
    head = f"Diagnostics after this edit ({check.intel.name}):"
    if not new:
        lines = [f"{head} no new errors or warnings."]
    else:
        lines = [f"{head} {_count(new)} introduced by this edit:"]
        lines.extend(f"  {d.describe(relative)}" for d in new[:cap])
        if len(new) > cap:
            lines.append(f"  … and {len(new) - cap} more")
    if old:
        lines.append(f"Already there before this edit (not listed): {_count(old)}.")
    return "\n".join(lines)


def _count(found: Sequence[Diagnostic]) -> str:
    errors = sum(d.severity == "error" for d in found)
    warnings = len(found) - errors
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return " and ".join(parts)


async def report_current(ctx: ToolContext, intel: CodeIntel, doc: DocText) -> str:
    """Every diagnostic of one file now (the `lsp_diagnostics` tool), errors first."""
    if not intel.covers(doc.path):
        return f"No language server covers {ctx.workspace.relative(doc.path)}."
    settings = ctx.config.code_intel
    wait = settings.diagnostics_wait_ms / 1000
    found = await _bounded(intel.diagnostics([doc], False, wait), wait)
    listed = sorted(found.get(doc.path, []), key=lambda d: (_RANK[d.severity], d.line, d.column))
    name = ctx.workspace.relative(doc.path)
    if not listed:
        return f"{name}: no problems reported ({intel.name})."
    cap = settings.max_diagnostics * 5
    lines = [f"  {d.describe(ctx.workspace.relative)}" for d in listed[:cap]]
    if len(listed) > cap:
        lines.append(f"  … and {len(listed) - cap} more")
    return f"{name}: {len(listed)} problem(s) ({intel.name}):\n" + "\n".join(lines)
