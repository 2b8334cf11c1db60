"""`textDocument/inlineCompletion` (LSP 3.18) and `codex.toggleInlineCompletion`.

Thin: reads the cursor from the open document and hands it to
`completion.service.InlineCompletions`. A turned-off server answers `null`.

While the suggest widget is open (`selectedCompletionInfo`), the answer is empty
and no model call is made: VS Code shows ghost text then only if it extends the
selected item, the user is choosing among suggestions, and each arrow key would
otherwise cost a request. An `Invoked` request (the user asked) skips the debounce.
"""

from __future__ import annotations

from lsprotocol import types

from codex_lsp import wire
from codex_lsp.completion.service import Cursor
from codex_lsp.lsp.features.arguments import ToggleArgs
from codex_lsp.lsp.features.command_registry import command
from codex_lsp.lsp.features.command_results import CommandResult, ToggleResult, failed
from codex_lsp.lsp.session.documents import path_of
from codex_lsp.lsp.session.session import Session
from codex_lsp.lsp.session.text_sync import lines_of

NEIGHBOUR_LINES = 80


async def inline_completion(
    session: Session, params: types.InlineCompletionParams
) -> types.InlineCompletionList | None:
    """Ghost text at the cursor, or None (off, another language, nothing to say)."""
    completions = session.completions
    uri = params.text_document.uri
    doc = session.documents.by_uri(uri)
    if doc is None or not completions.allows(doc.language_id or ""):
        return None
    if params.context.selected_completion_info is not None:
        return types.InlineCompletionList(items=[])
    others = [
        (session.documents.relative(path_of(d.uri)), "".join(lines_of(d)[:NEIGHBOUR_LINES]))
        for d in session.documents.open_list()
        if d.uri != uri and d.uri.startswith("file:")
    ]
    cursor = Cursor(
        uri,
        lines_of(doc),
        params.position.line,
        params.position.character,
        session.documents.relative(path_of(uri)) if uri.startswith("file:") else uri,
        doc.language_id or "",
        others,
    )
    invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
    text = await completions.complete(cursor, debounce=not invoked)
    if not text:
        return types.InlineCompletionList(items=[])
    at = types.Range(params.position, params.position)
    return types.InlineCompletionList(
        items=[types.InlineCompletionItem(insert_text=text, range=at)]
    )


@command(wire.TOGGLE_INLINE_COMPLETION, ToggleArgs)
async def toggle(session: Session, arg: ToggleArgs) -> CommandResult:
    """`{enabled?}`: turn inline completions on or off for this session (none: flip).

    Turning them on when `initialize` did not advertise them registers the
    capability dynamically, if the client allows that.
    """
    completions = session.completions
    completions.session_enabled = (not completions.enabled) if arg.enabled is None else arg.enabled
    error = await register_if_enabled(session)
    if error is not None:  # the toggle still holds; the client just was not told
        return failed(error)
    return ToggleResult(
        status="answered",
        thread_id=None,
        enabled=completions.enabled,
        advertised=completions.advertised,
    )


def document_selector(languages: list[str]) -> list[dict[str, str]]:
    """Where the client should ask: the configured languages, else every buffer we read."""
    if languages:
        return [{"language": language} for language in languages]
    return [{"scheme": "file"}, {"scheme": "untitled"}]


async def register_if_enabled(session: Session) -> str | None:
    """Register inline completion with the client once it is enabled but not advertised.

    Runs after the toggle and after `didChangeConfiguration`. Returns why the
    client could not be told (None: registered, or nothing to do).
    """
    completions = session.completions
    if not (
        completions.enabled
        and not completions.advertised
        and session.client.caps.inline_completion_dynamic
    ):
        return None
    registration = {
        "id": "codex-inline-completion",
        "method": wire.INLINE_COMPLETION,
        "registerOptions": {"documentSelector": document_selector(completions.config.languages)},
    }
    completions.advertised = True  # now: a second settings change must not register again
    try:
        params = {"registrations": [registration]}
        await session.client.request("client/registerCapability", params, 10)
    except Exception as exc:
        completions.advertised = False
        return f"could not register inline completion with the client: {exc}"
    return None
