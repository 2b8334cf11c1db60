"""`codex.review` and `codex.clearFindings`: a read-only review turn -> diagnostics.

The review's answer is structured findings (`codex_lsp.review.findings`); they
replace the previous findings of the same scope, are published per file, and are
summarised in the command result and a `codex/event` of type `review`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from codex_lsp import wire
from codex_lsp.core.workspace import OutsideWorkspace, UnreadableFile
from codex_lsp.intel.backend import DocText
from codex_lsp.intel.review_context import problems_in_range
from codex_lsp.lsp.features.arguments import BadArguments, ClearFindingsArgs, ReviewArgs
from codex_lsp.lsp.features.command_registry import command
from codex_lsp.lsp.features.command_results import (
    ClearFindingsResult,
    CommandResult,
    ReviewResult,
    TurnAnswer,
    failed,
)
from codex_lsp.lsp.features.selection import selection_from
from codex_lsp.lsp.session.documents import NotAFile, origin_of
from codex_lsp.lsp.session.session import Session
from codex_lsp.review.findings import ReviewParseError, parse_review
from codex_lsp.review.prompts import ReviewTarget, read_diff, review_task, scope_key, summary_text

MAX_FILE_CHARS = 400_000
"""A bigger file is reviewed by selection (the whole text goes into the prompt)."""
DEFAULT_BASE = "main"


def _target(session: Session, arg: ReviewArgs) -> ReviewTarget:
    """What `arg` asks to review; `BadArguments` says what is missing or wrong."""
    if arg.scope in ("uncommitted", "baseBranch"):
        base = (arg.base or DEFAULT_BASE) if arg.scope == "baseBranch" else None
        return ReviewTarget(arg.scope, base=base)
    if arg.uri is None:
        raise BadArguments(f"missing 'uri' (the document to review with scope '{arg.scope}')")
    try:
        path = session.documents.resolve(arg.uri)
        language = session.documents.language_id(path)
        if arg.scope == "selection":
            if arg.range is None:
                raise BadArguments("missing 'range' (the selection to review)")
            sel = selection_from(session.documents, arg.uri, arg.range)
            rel = session.documents.relative(path)
            return ReviewTarget("selection", path, rel, sel.text, sel.start_line - 1, language)
        text = session.documents.text(path)
    except (NotAFile, OutsideWorkspace, UnreadableFile) as exc:
        raise BadArguments(str(exc)) from exc
    if len(text) > MAX_FILE_CHARS:
        raise BadArguments(
            f"{session.documents.relative(path)} is too large to review whole "
            f"({len(text)} characters); review a selection"
        )
    return ReviewTarget("file", path, session.documents.relative(path), text, 0, language)


def _resolver(session: Session, origin: Path | None) -> Any:
    """Resolves the paths the review names, from the folder it ran in (outside: None)."""
    workspace, root = session.documents.workspace, session.documents.root_for(origin)

    def resolve(raw: str) -> Path | None:
        try:
            return workspace.resolve(raw, cwd=root)
        except OutsideWorkspace:
            return None

    return resolve


async def _editor_problems(session: Session, target: ReviewTarget) -> str:
    """The language servers' errors in the reviewed file or selection (prompt context)."""
    if target.path is None:
        return ""
    try:
        text = session.documents.text(target.path)
    except UnreadableFile:
        return ""
    last = target.start_line + max(len(target.text.splitlines()), 1)
    return await problems_in_range(
        session.agent.intel.backend(),
        session.agent.loaded.config.code_intel,
        DocText(target.path, text),
        (target.start_line + 1, last),
        session.documents.relative,
    )


@command(wire.REVIEW, ReviewArgs)
async def review(session: Session, arg: ReviewArgs) -> CommandResult:
    """`{scope, uri?, range?, base?}`: review, publish the findings, return a summary."""
    target = _target(session, arg)
    origin = origin_of(arg.uri)
    diff = None
    if target.scope in ("uncommitted", "baseBranch"):
        root = session.documents.root_for(origin)
        try:
            diff = await read_diff(target, root)
        except ValueError as exc:
            return failed(str(exc))
        if not diff.strip():
            return ReviewResult(
                status="answered",
                thread_id=None,
                text="Nothing to review: no changes.",
                summary="No changes to review.",
            )
    context = await _editor_problems(session, target)
    result = await session.turns.run(review_task(target, diff, context), arg.thread_id, origin)
    if result.status != "answered" or not isinstance(result, TurnAnswer):
        return result
    thread_id = result.thread_id if isinstance(result.thread_id, str) else None
    key = scope_key(target)
    try:
        parsed = parse_review(result.text or "", key, _resolver(session, origin))
    except ReviewParseError as exc:
        return failed(str(exc), thread_id)
    session.diagnostics.replace_review(key, parsed.findings, thread_id)
    files = len({f.path for f in parsed.findings})
    summary = summary_text(len(parsed.findings), files, parsed.correctness, parsed.explanation)
    shown = session.diagnostics.as_json(parsed.findings)
    session.client.send_event(
        {
            "type": wire.REVIEW_EVENT,
            "threadId": thread_id,
            "scope": target.scope,
            "summary": summary,
            "findings": shown,
        }
    )
    return ReviewResult(
        **attrs.asdict(result, recurse=False),
        summary=summary,
        findings=shown,
        overall_correctness=parsed.correctness,
        overall_explanation=parsed.explanation,
    )


@command(wire.CLEAR_FINDINGS, ClearFindingsArgs)
async def clear_findings(session: Session, arg: ClearFindingsArgs) -> CommandResult:
    """`{ids?, uri?}`: dismiss findings (neither: all of them)."""
    cleared = session.diagnostics.dismiss(arg.ids, arg.uri)
    return ClearFindingsResult(
        status="answered",
        thread_id=session.diagnostics.thread_id,
        cleared=cleared,
        remaining=session.diagnostics.count(),
    )
