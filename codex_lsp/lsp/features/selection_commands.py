"""The selection commands: edit, explain, document, test or fix the selected code.

Each takes `{uri, range, threadId?}` (plus `instruction` or `diagnostic`) and runs
one turn on the selected lines (`selection.selection_from`).
"""

from __future__ import annotations

from collections.abc import Callable

from codex_lsp import wire
from codex_lsp.agent import tasks
from codex_lsp.agent.tasks import Selection, TaskSpec
from codex_lsp.lsp.features.arguments import BadArguments, SelectionArgs
from codex_lsp.lsp.features.command_registry import command
from codex_lsp.lsp.features.command_results import CommandResult, NeedsInstructionResult, TurnAnswer
from codex_lsp.lsp.features.selection import NoInstruction, instruction_from, selection_from
from codex_lsp.lsp.session.documents import origin_of
from codex_lsp.lsp.session.session import Session


async def _selection_task(
    session: Session, arg: SelectionArgs, build: Callable[[SelectionArgs, Selection], TaskSpec]
) -> CommandResult:
    """Run the turn `build` makes of the selection; bad arguments fail before it starts."""
    try:
        spec = build(arg, selection_from(session.documents, arg.uri, arg.range))
    except NoInstruction as exc:  # the editor asks the user, then sends the command again
        return NeedsInstructionResult(status="failed", thread_id=None, error=str(exc))
    return await session.turns.run(spec, arg.thread_id, origin_of(arg.uri))


@command(wire.EDIT_SELECTION, SelectionArgs)
async def edit_selection(session: Session, arg: SelectionArgs) -> CommandResult:
    """`{uri, range, instruction?}`: rewrite the selection as instructed."""
    return await _selection_task(
        session, arg, lambda a, s: tasks.edit_selection(s, instruction_from(a.instruction, s))
    )


@command(wire.EXPLAIN, SelectionArgs)
async def explain(session: Session, arg: SelectionArgs) -> CommandResult:
    """`{uri, range}`: explain the code; the answer is shown and returned."""
    result = await _selection_task(session, arg, lambda a, s: tasks.explain(s))
    if isinstance(result, TurnAnswer) and result.status == "answered" and result.text:
        thread_id = str(result.thread_id)
        result.document_uri = await session.client.show_answer(thread_id, result.text)
    return result


@command(wire.ADD_DOCSTRING, SelectionArgs)
async def add_docstring(session: Session, arg: SelectionArgs) -> CommandResult:
    """`{uri, range}`: document the selected code."""
    return await _selection_task(session, arg, lambda a, s: tasks.add_docstring(s))


@command(wire.WRITE_TESTS, SelectionArgs)
async def write_tests(session: Session, arg: SelectionArgs) -> CommandResult:
    """`{uri, range}`: write tests for the selected code."""
    return await _selection_task(session, arg, lambda a, s: tasks.write_tests(s))


@command(wire.FIX_DIAGNOSTIC, SelectionArgs)
async def fix_diagnostic(session: Session, arg: SelectionArgs) -> CommandResult:
    """`{uri, range, diagnostic}`: fix one diagnostic (a fixed review finding is dismissed)."""
    fixing: list[str] = []

    def build(arg: SelectionArgs, sel: Selection) -> TaskSpec:
        diag = arg.diagnostic
        if diag is None:
            raise BadArguments("missing 'diagnostic' (the diagnostic to fix)")
        code = str(diag.code) if diag.code is not None else None
        if diag.source == wire.FINDINGS_SOURCE and code:
            fixing.append(code)
        return tasks.fix_diagnostic(sel, diag.message, diag.source, code)

    result = await _selection_task(session, arg, build)
    if result.status == "applied" and fixing:
        session.diagnostics.dismiss(fixing)  # its fix applied
    return result
