"""`textDocument/codeAction`: instant, never calls the model.

Each action carries the command that does the work; nothing runs until the
user picks one. The actions are plain JSON built from the request alone, so
`lsp.fast_start` answers the same request with the same function before pygls
has loaded. This module must not import lsprotocol at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codex_lsp import wire
from codex_lsp.lsp.session.ranges import lsp_range, range_json

if TYPE_CHECKING:
    from lsprotocol import types

    from codex_lsp.lsp.session.finding_diagnostics import ShownFinding

EDIT_TITLE = "Codex: Edit selection…"

Json = dict[str, Any]


def _allowed(kind: str, only: list[str] | None) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def actions_for(
    uri: str,
    rng: Json,
    diagnostics: list[Json],
    only: list[str] | None,
    findings: list[ShownFinding] | None = None,
) -> list[Json]:
    """The Codex actions for a range, plus one quick fix per diagnostic (as LSP JSON).

    `findings` are the review findings overlapping the range, with the diagnostic
    published for each: each gets "Fix" and "Dismiss" whether or not the client
    passed its diagnostic in the context.
    A quick fix lists the diagnostic it fixes (`diagnostics`, as the client sent
    it when it did). Only `file:` documents get actions: every command works on
    a workspace file, so an `untitled:` buffer could not be served.
    """
    actions: list[Json] = []
    selection: Json = {"uri": uri, "range": rng}
    if not uri.startswith("file:"):
        return actions

    def add(
        title: str, kind: str, command: str, arg: Json, preferred: bool = False,
        fixes: Json | None = None,
    ) -> None:
        if not _allowed(kind, only):
            return
        action: Json = {
            "title": title,
            "kind": kind,
            "command": {"title": title, "command": command, "arguments": [arg]},
        }
        if fixes is not None:
            action["diagnostics"] = [{k: v for k, v in fixes.items() if v is not None}]
        if preferred:
            action["isPreferred"] = True
        actions.append(action)

    sent = {d.get("code"): d for d in diagnostics if d.get("source") == wire.FINDINGS_SOURCE}
    for finding, published in findings or []:
        fix = {"uri": uri, "range": published["range"], "diagnostic": _argument(published)}
        shown = sent.get(finding.id, published)
        add(f"Codex: Fix: {finding.title[:80]}", wire.QUICKFIX, wire.FIX_DIAGNOSTIC, fix, True,
            shown)
        add("Codex: Dismiss finding", wire.QUICKFIX, wire.CLEAR_FINDINGS, {"ids": [finding.id]},
            fixes=shown)
    for diag in diagnostics:
        if diag.get("source") == wire.FINDINGS_SOURCE:
            continue  # a review finding: offered above (it may already be gone)
        message = diag["message"]
        first_line = message.splitlines()[0] if message else "diagnostic"
        arg = {**selection, "diagnostic": _argument(diag)}
        add(f"Codex: Fix: {first_line[:80]}", wire.QUICKFIX, wire.FIX_DIAGNOSTIC, arg,
            fixes=diag)
    add(EDIT_TITLE, wire.REFACTOR_REWRITE, wire.EDIT_SELECTION, selection)
    add("Codex: Explain", wire.REFACTOR, wire.EXPLAIN, selection)
    add("Codex: Add docstring", wire.REFACTOR_REWRITE, wire.ADD_DOCSTRING, selection)
    # `refactor`, not `source`: VS Code leaves source actions out of the light bulb.
    add("Codex: Write tests", wire.REFACTOR, wire.WRITE_TESTS, selection)
    add("Codex: Review this file", wire.REFACTOR, wire.REVIEW, {"scope": "file", "uri": uri})
    if rng["start"] != rng["end"]:
        review_selection = {**selection, "scope": "selection"}
        add("Codex: Review selection", wire.REFACTOR, wire.REVIEW, review_selection)
    return actions


_ARGUMENT_KEYS = ("message", "source", "code", "range")
"""What `codex.fixDiagnostic` gets of a diagnostic (the action's `diagnostics` has it all)."""


def _argument(diagnostic: Json) -> Json:
    return {k: diagnostic[k] for k in _ARGUMENT_KEYS}


def code_actions(
    params: types.CodeActionParams, findings: list[ShownFinding] | None = None
) -> list[Json]:
    """The actions for pygls's typed params (the server's handler)."""
    diagnostics = [
        {
            "message": d.message,
            "source": d.source,
            "code": d.code,
            "range": range_json(d.range),
            "severity": None if d.severity is None else int(d.severity),
        }
        for d in params.context.diagnostics
    ]
    only = [str(k) for k in params.context.only] if params.context.only else None
    return actions_for(
        params.text_document.uri,
        range_json(params.range),
        diagnostics,
        only,
        findings,
    )


def _uint(value: Any) -> int:
    if type(value) is not int or not 0 <= value < 2**31:
        raise ValueError("not a uinteger")
    return value


def _position_range(value: Any) -> Json:
    start, end = value["start"], value["end"]
    return lsp_range(
        _uint(start["line"]), _uint(start["character"]), _uint(end["line"]), _uint(end["character"])
    )


def _diagnostic(value: Any) -> Json:
    message, source, code = value["message"], value.get("source"), value.get("code")
    if not isinstance(message, str) or not (source is None or isinstance(source, str)):
        raise ValueError("bad diagnostic")
    if not (code is None or isinstance(code, str) or type(code) is int):
        raise ValueError("bad diagnostic code")
    severity = value.get("severity")
    if severity is not None and (type(severity) is not int or not 1 <= severity <= 4):
        raise ValueError("bad diagnostic severity")
    return {"message": message, "source": source, "code": code,
            "range": _position_range(value["range"]), "severity": severity}


def code_actions_json(params: Any) -> list[Json] | None:
    """The actions for raw JSON params; None when they are not plainly valid.

    Used before pygls has loaded: anything unusual is left to pygls, which then
    answers (or rejects) it as always.
    """
    try:
        uri = params["textDocument"]["uri"]
        context = params["context"]
        only = context.get("only")
        if not isinstance(uri, str) or not isinstance(context["diagnostics"], list):
            return None
        if only is not None and not (
            isinstance(only, list) and all(isinstance(k, str) for k in only)
        ):
            return None
        diagnostics = [_diagnostic(d) for d in context["diagnostics"]]
        return actions_for(uri, _position_range(params["range"]), diagnostics, only or None)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
