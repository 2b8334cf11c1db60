r"""What a selection command works on: the selected lines, read as the editor has them.

Lines are counted as LSP counts them (`\r\n`, `\r`, `\n` only), from the open
buffer when there is one, else from disk, so the text sent to the model is the
text the user selected.
"""

from __future__ import annotations

import asyncio
import re

from codex_lsp.agent.attachments import AttachedImage, ImageSource, load_images
from codex_lsp.agent.tasks import Selection, attached_file, attached_selection
from codex_lsp.core.workspace import OutsideWorkspace, UnreadableFile
from codex_lsp.edits.lines import lsp_lines
from codex_lsp.lsp.features.arguments import BadArguments, ContextArg, ImageArg, Range
from codex_lsp.lsp.session.documents import Documents, NotAFile, path_of
from codex_lsp.tools.images import ImageProblem

INSTRUCTION_COMMENT = re.compile(r"(?:#|//|--|;|/\*|<!--|\*)\s*codex:\s*(.+?)\s*(?:\*/|-->)?\s*$")
"""A `codex: <instruction>` comment in the selection, in any common comment syntax."""


def selection_from(documents: Documents, uri: str, rng: Range) -> Selection:
    """The lines `rng` covers in the document `uri`; `BadArguments` says what is wrong."""
    start_line, end_line = rng.start.line, rng.end.line
    if end_line < start_line:
        raise BadArguments("'range.end' is before 'range.start'")
    try:
        path = documents.resolve(uri)
        lines = documents.lines(path)
    except (NotAFile, OutsideWorkspace, UnreadableFile) as exc:
        raise BadArguments(str(exc)) from exc
    if end_line > start_line and rng.end.character == 0:
        end_line -= 1  # a linewise selection ends at column 0 of the next line
    if lines and start_line >= len(lines):
        raise BadArguments(f"range starts at line {start_line + 1} but the file has {len(lines)}")
    chosen = [line.rstrip("\r\n") for line in lines[start_line : end_line + 1]]
    return Selection(
        path=documents.relative(path),
        start_line=start_line + 1,
        end_line=start_line + max(1, len(chosen)),
        text="\n".join(chosen),
        language=documents.language_id(path),
    )


class NoInstruction(BadArguments):
    """Neither an instruction argument nor a `codex:` comment: the editor should ask."""


def instruction_from(given: str | None, sel: Selection) -> str:
    """The instruction argument, else a `codex:` comment in the selection (the one rule)."""
    if given and given.strip():
        return given.strip()
    for line in lsp_lines(sel.text):
        match = INSTRUCTION_COMMENT.search(line)
        if match:
            return str(match.group(1))
    raise NoInstruction(
        "No instruction: pass 'instruction' in the command arguments or put a comment "
        "starting with 'codex:' in the selection (e.g. '# codex: make this async')."
    )


def context_from(documents: Documents, items: list[ContextArg] | None) -> tuple[str, ...]:
    """What the user attached to a prompt, as the model reads it (files named, lines quoted)."""
    parts = []
    for item in items or []:
        if item.range is not None:
            parts.append(attached_selection(selection_from(documents, item.uri, item.range)))
            continue
        try:
            path = documents.resolve(item.uri)
        except (NotAFile, OutsideWorkspace) as exc:
            raise BadArguments(f"'context': {exc}") from exc
        parts.append(attached_file(documents.relative(path)))
    return tuple(parts)


async def images_from(
    documents: Documents, items: list[ImageArg] | None
) -> tuple[AttachedImage, ...]:
    """The images the user attached, checked and fitted; `BadArguments` names a bad one.

    A file may lie outside the workspace (the user chose it, as with `codex exec -i`).
    """
    images: list[AttachedImage] = []
    for n, item in enumerate(items or []):
        try:
            source = ImageSource(url=item.data_url, shown_as=f"'images[{n}].dataUrl'")
            if item.uri is not None:
                path = path_of(item.uri)
                source = ImageSource(path=path, shown_as=documents.relative(path))
            images.extend(await asyncio.to_thread(load_images, [source]))
        except (NotAFile, ImageProblem) as exc:
            raise BadArguments(f"'images[{n}]': {exc}; nothing was sent") from exc
    return tuple(images)
