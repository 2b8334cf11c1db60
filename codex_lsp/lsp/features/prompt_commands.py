"""`codex.ask` and `codex.runTask`: a prompt, optionally with a selection and attachments."""

from __future__ import annotations

from codex_lsp import wire
from codex_lsp.agent import tasks
from codex_lsp.lsp.features.arguments import BadArguments, PromptArgs
from codex_lsp.lsp.features.command_registry import command
from codex_lsp.lsp.features.command_results import CommandResult, TurnAnswer
from codex_lsp.lsp.features.selection import context_from, images_from, selection_from
from codex_lsp.lsp.session.documents import origin_of
from codex_lsp.lsp.session.session import Session


def _check_prompt(arg: PromptArgs) -> None:
    if not arg.prompt.strip():
        raise BadArguments("'prompt' is empty")


@command(wire.ASK, PromptArgs)
async def ask(session: Session, arg: PromptArgs) -> CommandResult:
    """`{prompt, uri?, range?, context?, images?}` -> `{text}`."""
    _check_prompt(arg)
    sel = None
    if arg.uri and arg.range:
        sel = selection_from(session.documents, arg.uri, arg.range)
    context = context_from(session.documents, arg.context)
    images = await images_from(session.documents, arg.images)
    spec = tasks.ask(arg.prompt, sel, context, images)
    result = await session.turns.run(spec, arg.thread_id, origin_of(arg.uri))
    plugin = session.client.caps.codex_approval  # our plugins show the answer in their chat
    if isinstance(result, TurnAnswer) and result.status == "answered" and result.text:
        if not plugin:
            thread_id = str(result.thread_id)
            result.document_uri = await session.client.show_answer(thread_id, result.text)
    return result


@command(wire.RUN_TASK, PromptArgs)
async def run_task(session: Session, arg: PromptArgs) -> CommandResult:
    """`{prompt, uri?, context?, images?}`: a workspace task that may edit several files.

    With `uri` (the active document) it works in that document's workspace folder.
    """
    _check_prompt(arg)
    context = context_from(session.documents, arg.context)
    images = await images_from(session.documents, arg.images)
    spec = tasks.run_task(arg.prompt, context, images)
    return await session.turns.run(spec, arg.thread_id, origin_of(arg.uri))
