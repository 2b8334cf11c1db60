"""`codex.review` and `codex.clearFindings`: a read-only review turn -> diagnostics.

The review's answer is structured findings (`codex_lsp.review.findings`); they
replace the previous findings of the same scope, are published per file, and are
summarised in the command result and a `codex/event` of type `review`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codex_lsp import wire
from codex_lsp.core.workspace import OutsideWorkspace, UnreadableFile
from codex_lsp.intel.backend import DocText
from codex_lsp.intel.review_context import problems_in_range
from codex_lsp.lsp.features.arguments import (
    BadArguments,
    ClearFindingsArgs,
    ReviewArgs,
    argument_object,
    structure,
)
from codex_lsp.lsp.features.selection import selection_from
from codex_lsp.lsp.session.documents import NotAFile, origin_of, path_of
from codex_lsp.lsp.session.services import Services
from codex_lsp.lsp.session.turns import failed
from codex_lsp.review.findings import ReviewParseError, parse_review
from codex_lsp.review.prompts import ReviewTarget, read_diff, review_task, scope_key, summary_text

MAX_FILE_CHARS = 400_000
"""A bigger file is reviewed by selection (the whole text goes into the prompt)."""
DEFAULT_BASE = "main"


def _target(ctx: Services, arg: ReviewArgs) -> ReviewTarget:
    """What `arg` asks to review; `BadArguments` says what is missing or wrong."""
    if arg.scope in ("uncommitted", "baseBranch"):
        base = (arg.base or DEFAULT_BASE) if arg.scope == "baseBranch" else None
        return ReviewTarget(arg.scope, base=base)
    if arg.uri is None:
        raise BadArguments(f"missing 'uri' (the document to review with scope '{arg.scope}')")
    try:
        path = ctx.documents.workspace.resolve(str(path_of(arg.uri)))
        language = ctx.documents.language_id(path)
        if arg.scope == "selection":
            if arg.range is None:
                raise BadArguments("missing 'range' (the selection to review)")
            sel = selection_from(ctx.documents, arg.uri, arg.range)
            rel = ctx.documents.relative(path)
            return ReviewTarget("selection", path, rel, sel.text, sel.start_line - 1, language)
        text = ctx.documents.text(path)
    except (NotAFile, OutsideWorkspace, UnreadableFile) as exc:
        raise BadArguments(str(exc)) from exc
    if len(text) > MAX_FILE_CHARS:
        raise BadArguments(
            f"{ctx.documents.relative(path)} is too large to review whole "
            f"({len(text)} characters); review a selection"
        )
    return ReviewTarget("file", path, ctx.documents.relative(path), text, 0, language)


def _resolver(ctx: Services, origin: Path | None) -> Any:
    root = ctx.documents.workspace.rooted_at(origin).primary

    def resolve(raw: str) -> Path | None:
        try:
            return ctx.documents.workspace.resolve(raw, cwd=root)
        except OutsideWorkspace:
            return None

    return resolve


async def _editor_problems(ctx: Services, target: ReviewTarget) -> str:
    """The language servers' errors in the reviewed file or selection (prompt context)."""
    if target.path is None:
        return ""
    try:
        text = ctx.documents.text(target.path)
    except UnreadableFile:
        return ""
    last = target.start_line + max(len(target.text.splitlines()), 1)
    return await problems_in_range(
        ctx.agent.intel.backend(),
        ctx.agent.loaded.config.code_intel,
        DocText(target.path, text),
        (target.start_line + 1, last),
        ctx.documents.relative,
    )


async def review(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{scope, uri?, range?, base?}`: review, publish the findings, return a summary."""
    try:
        arg = structure(ReviewArgs, argument_object(args))
        target = _target(ctx, arg)
    except BadArguments as exc:
        return failed(str(exc))
    origin = origin_of(arg.uri)
    diff = None
    if target.scope in ("uncommitted", "baseBranch"):
        root = ctx.documents.workspace.rooted_at(origin).primary
        try:
            diff = await read_diff(target, root)
        except ValueError as exc:
            return failed(str(exc))
        if not diff.strip():
            return {
                "status": "answered",
                "threadId": None,
                "text": "Nothing to review: no changes.",
                "summary": "No changes to review.",
                "findings": [],
            }
    context = await _editor_problems(ctx, target)
    result = await ctx.turns.run(review_task(target, diff, context), arg.thread_id, origin)
    if result.get("status") != "answered":
        return result
    key = scope_key(target)
    try:
        parsed = parse_review(str(result.get("text") or ""), key, _resolver(ctx, origin))
    except ReviewParseError as exc:
        return failed(str(exc), result.get("threadId"))
    findings = ctx.findings
    findings.thread_id = result.get("threadId") or findings.thread_id
    findings.changed(findings.store.replace_scope(key, parsed.findings))
    files = len({f.path for f in parsed.findings})
    summary = summary_text(len(parsed.findings), files, parsed.correctness, parsed.explanation)
    shown = findings.as_json(parsed.findings)
    ctx.client.send_event(
        {
            "type": wire.REVIEW_EVENT,
            "threadId": result.get("threadId"),
            "scope": target.scope,
            "summary": summary,
            "findings": shown,
        }
    )
    result.update(
        summary=summary,
        findings=shown,
        overallCorrectness=parsed.correctness,
        overallExplanation=parsed.explanation,
    )
    return result


async def clear_findings(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{ids?, uri?}`: dismiss findings (neither: all of them)."""
    try:
        arg = structure(ClearFindingsArgs, argument_object(args))
    except BadArguments as exc:
        return failed(str(exc))
    store = ctx.findings.store
    before = len(store.all())
    if arg.ids:
        touched = store.remove(arg.ids)
    elif arg.uri:
        path = ctx.findings.path_of_uri(arg.uri)
        touched = store.clear(path) if path else set()
    else:
        touched = store.clear()
    ctx.findings.changed(touched)
    return {
        "status": "answered",
        "threadId": ctx.findings.thread_id,
        "cleared": before - len(store.all()),
        "remaining": len(store.all()),
    }
