"""A chat/Responses request built for completion: the gap, and only the gap, back.

Used when no FIM endpoint is configured. The model sees the file's path and
language, a few neighbouring open buffers, and the text around the cursor with
a marker where the insertion goes.
"""

from __future__ import annotations

from codex_lsp.completion.context import CompletionContext
from codex_lsp.core.items import user_message
from codex_lsp.models.base import ModelRequest

CURSOR = "<|cursor|>"

INSTRUCTIONS = (
    "You are a code completion engine. You are given a file with the marker "
    f"{CURSOR} where the user's cursor is. Answer with ONLY the text to insert at the "
    "marker: no explanation, no code fence, no repetition of the text before or after "
    "the marker. Complete the current statement or block (a few lines at most). If "
    "nothing sensible fits, answer with nothing."
)


def completion_request(
    ctx: CompletionContext, model: str, max_tokens: int, responses: bool
) -> ModelRequest:
    """The one-shot request (no tools, no reasoning)."""
    parts = []
    for path, excerpt in ctx.neighbours:
        parts.append(f"Other open file {path}:\n```\n{excerpt}\n```")
    parts.append(
        f"File {ctx.path} ({ctx.language or 'text'}):\n```{ctx.language}\n"
        f"{ctx.prefix}{CURSOR}{ctx.suffix}\n```"
    )
    return ModelRequest(
        model=model,
        instructions=INSTRUCTIONS,
        input=[user_message("\n\n".join(parts))],
        max_output_tokens=None if responses else max_tokens,
    )
