"""`textDocument/codeAction`: instant, never calls the model.

Each action carries the command that does the work; nothing runs until the
user picks one.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from codex_lsp import wire

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


def code_actions(params: types.CodeActionParams) -> list[types.CodeAction]:
    """The Codex actions for a range, plus one quick fix per diagnostic."""
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

    for diag in params.context.diagnostics:
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
    return actions
