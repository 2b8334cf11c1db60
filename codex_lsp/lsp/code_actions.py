"""`textDocument/codeAction`: instant, never calls the model.

Each action carries the command that does the work; nothing runs until the
user picks one.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from codex_lsp import wire
from codex_lsp.review.findings import Finding

EDIT_TITLE = "Codex: Edit selection…"


def _args(params: types.CodeActionParams, **extra: Any) -> list[Any]:
    rng = params.range
    arg: dict[str, Any] = {
        "uri": params.text_document.uri,
        "range": {
            "start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character},
        },
    }
    arg.update(extra)
    return [arg]


def _allowed(kind: str, only: list[str] | None) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def _finding_json(finding: Finding, rng: dict[str, Any]) -> dict[str, Any]:
    message = f"{finding.title}\n\n{finding.body}" if finding.body else finding.title
    return {"message": message, "source": wire.FINDINGS_SOURCE, "code": finding.id, "range": rng}


def _range_json(finding: Finding) -> dict[str, Any]:
    return {
        "start": {"line": finding.start_line, "character": 0},
        "end": {"line": finding.end_line + 1, "character": 0},
    }


def code_actions(
    params: types.CodeActionParams, findings: list[Finding] | None = None
) -> list[types.CodeAction]:
    """The Codex actions for a range, plus one quick fix per diagnostic.

    `findings` are the review findings overlapping the range: each gets "Fix" and
    "Dismiss" whether or not the client passed its diagnostic in the context.
    """
    only = [str(k) for k in params.context.only] if params.context.only else None
    actions: list[types.CodeAction] = []

    def add(title: str, kind: str, command: str, args: list[Any], preferred: bool = False) -> None:
        if _allowed(kind, only):
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=kind,
                    command=types.Command(title=title, command=command, arguments=args),
                    is_preferred=preferred or None,
                )
            )

    for finding in findings or []:
        rng = _range_json(finding)
        fix_args = [{"uri": params.text_document.uri, "range": rng,
                     "diagnostic": _finding_json(finding, rng)}]
        add(f"Codex: Fix: {finding.title[:80]}", wire.QUICKFIX, wire.FIX_DIAGNOSTIC, fix_args, True)
        add("Codex: Dismiss finding", wire.QUICKFIX, wire.CLEAR_FINDINGS, [{"ids": [finding.id]}])
    for diag in params.context.diagnostics:
        if diag.source == wire.FINDINGS_SOURCE:
            continue  # a review finding: offered above (it may already be gone)
        diag_json = {
            "message": diag.message,
            "source": diag.source,
            "code": diag.code,
            "range": {
                "start": {"line": diag.range.start.line, "character": diag.range.start.character},
                "end": {"line": diag.range.end.line, "character": diag.range.end.character},
            },
        }
        first_line = diag.message.splitlines()[0] if diag.message else "diagnostic"
        add(
            f"Codex: Fix: {first_line[:80]}",
            wire.QUICKFIX,
            wire.FIX_DIAGNOSTIC,
            _args(params, diagnostic=diag_json),
        )
    add(EDIT_TITLE, wire.REFACTOR_REWRITE, wire.EDIT_SELECTION, _args(params))
    add("Codex: Explain", wire.REFACTOR, wire.EXPLAIN, _args(params))
    add("Codex: Add docstring", wire.REFACTOR_REWRITE, wire.ADD_DOCSTRING, _args(params))
    # `refactor`, not `source`: VS Code leaves source actions out of the light bulb.
    add("Codex: Write tests", wire.REFACTOR, wire.WRITE_TESTS, _args(params))
    uri = params.text_document.uri
    add("Codex: Review this file", wire.REFACTOR, wire.REVIEW, [{"scope": "file", "uri": uri}])
    if params.range.start != params.range.end:
        add("Codex: Review selection", wire.REFACTOR, wire.REVIEW,
            _args(params, scope="selection"))
    return actions
