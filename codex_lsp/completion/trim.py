"""Make a model's answer an insertion: strip fences and echoes, cut to what fits.

Models answer with more than the gap: a fenced block, the line they were given
again, lines that already follow the cursor. What is left is cut to
`max_lines`, and to one line when the cursor sits before text on its line.
"""

from __future__ import annotations

import re

from codex_lsp.completion.context import CompletionContext

_FENCE = re.compile(r"^\s*```[\w.+-]*[ \t]*\n(.*?)\n?```\s*$", re.DOTALL)


def trim_completion(text: str, ctx: CompletionContext, max_lines: int) -> str:
    """The text to insert at the cursor ('' when nothing useful is left)."""
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    if ctx.line_prefix.strip() and text.startswith(ctx.line_prefix):
        text = text[len(ctx.line_prefix) :]  # the model repeated the line so far
    lines = text.split("\n")
    if ctx.line_suffix.strip():
        lines = lines[:1]  # mid-line: only complete this line
        if ctx.line_suffix and lines[0].endswith(ctx.line_suffix):
            lines[0] = lines[0][: -len(ctx.line_suffix)]
    following = [line.strip() for line in ctx.suffix.split("\n")[1:] if line.strip()][:1]
    for index, line in enumerate(lines):
        if index > 0 and following and line.strip() == following[0]:
            lines = lines[:index]  # the rest already follows the cursor
            break
    lines = lines[:max_lines]
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    result = "\n".join(lines)
    return result if result.strip() else ""
