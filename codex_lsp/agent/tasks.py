"""Prompts for the editor's actions: edit a selection, explain, docstring, tests, fix.

Each action becomes a `TaskSpec`: the user message sent to the model, a title
for progress UIs, and whether the model may edit files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codex_lsp.agent.attachments import AttachedImage
from codex_lsp.core.items import MessageItem, ResponseItem, message_text


@dataclass(frozen=True)
class Selection:
    """A range of lines (1-based, inclusive) in a workspace file, with its text."""

    path: str
    start_line: int
    end_line: int
    text: str
    language: str = ""


@dataclass(frozen=True)
class TaskSpec:
    """What to ask the model, how to label it, and whether edits are allowed."""

    title: str
    prompt: str
    allow_edits: bool = True
    output_schema: dict[str, Any] | None = None
    """A strict JSON schema the final answer must follow (structured output), if any."""
    output_schema_name: str = "codex_output_schema"
    subject: str = ""
    """The user's words, short: the thread's title (the progress title adds "Codex: ")."""
    context: tuple[str, ...] = ()
    """Attached context (files, selections), sent as its own message before the prompt."""
    images: tuple[AttachedImage, ...] = ()
    """Images the user attached, sent in the prompt's message as Codex sends them."""

    @property
    def thread_title(self) -> str:
        """What a thread started by this task is called: the subject, else the title."""
        return self.subject or self.title.removeprefix("Codex: ")


TITLE_LIMIT = 60
"""Characters of the user's words kept in a title."""


def subject_of(text: str, limit: int = TITLE_LIMIT) -> str:
    """The first line of `text`, cut at a word boundary to at most `limit` characters.

    Titles (progress, change cards, threads) show what the user asked for; a cut
    mid-word ("add must add Files attached for con") reads as noise.
    """
    line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def _task(subject: str, prompt: str, **options: Any) -> TaskSpec:
    """A task titled with `subject`, the user's words ("Codex: " for progress UIs)."""
    return TaskSpec(title=f"Codex: {subject}", prompt=prompt, subject=subject, **options)


def _quote(sel: Selection) -> str:
    fence = "````" if "```" in sel.text else "```"
    return (
        f"File: {sel.path}, lines {sel.start_line}-{sel.end_line}:\n"
        f"{fence}{sel.language}\n{sel.text}\n{fence}"
    )


def edit_selection(sel: Selection, instruction: str) -> TaskSpec:
    """Rewrite the selected code as instructed."""
    return _task(
        subject_of(instruction),
        (
            f"Edit the selected code in {sel.path} as instructed: {instruction}\n\n"
            f"{_quote(sel)}\n\n"
            "Change only what the instruction needs, using apply_patch."
        ),
    )


def explain(sel: Selection) -> TaskSpec:
    """Explain code without changing it."""
    return TaskSpec(
        title=f"Codex: explain {sel.path}:{sel.start_line}",
        prompt=(
            "Explain what this code does, how, and anything surprising, in concise Markdown. "
            f"Do not change any file.\n\n{_quote(sel)}"
        ),
        allow_edits=False,
    )


def add_docstring(sel: Selection) -> TaskSpec:
    """Document the selected code in the language's own convention."""
    return TaskSpec(
        title=f"Codex: add docstring in {sel.path}",
        prompt=(
            "Add a concise docstring (or the language's doc comment) to the function, class "
            "or module in this selection, using apply_patch. Do not change behaviour.\n\n"
            f"{_quote(sel)}"
        ),
    )


def write_tests(sel: Selection) -> TaskSpec:
    """Write tests for the selected code, in the project's test layout."""
    return TaskSpec(
        title=f"Codex: write tests for {sel.path}",
        prompt=(
            "Write unit tests for this code, following the project's existing test layout and "
            "framework (look around first). Create or update test files with apply_patch.\n\n"
            f"{_quote(sel)}"
        ),
    )


def fix_diagnostic(sel: Selection, message: str, source: str | None, code: str | None) -> TaskSpec:
    """Fix one diagnostic reported by the editor."""
    origin = " ".join(x for x in (source, f"[{code}]" if code else None) if x)
    return _task(
        f"fix {subject_of(message, 50)}",
        (
            f"Fix this diagnostic{f' from {origin}' if origin else ''}: {message}\n\n"
            f"{_quote(sel)}\n\n"
            "Make the smallest correct change with apply_patch."
        ),
    )


def ask(
    question: str,
    sel: Selection | None,
    context: tuple[str, ...] = (),
    images: tuple[AttachedImage, ...] = (),
) -> TaskSpec:
    """Answer a question, with optional code context and images; no edits."""
    quoted = (_quote(sel),) if sel else ()
    return _task(
        subject_of(question), question, allow_edits=False, context=quoted + context, images=images
    )


def run_task(
    prompt: str, context: tuple[str, ...] = (), images: tuple[AttachedImage, ...] = ()
) -> TaskSpec:
    """A free-form workspace task that may touch several files."""
    return _task(subject_of(prompt), prompt, context=context, images=images)


def attached_file(path: str) -> str:
    """A file the user attached: named, for the model to read as needed."""
    return f"File attached for context (read it as needed): {path}"


def attached_selection(sel: Selection) -> str:
    """Lines the user attached: quoted as the editor has them."""
    return f"Selected by the user for context.\n{_quote(sel)}"


CONTEXT_OPEN = "<attached_context>"
CONTEXT_CLOSE = "</attached_context>"


def context_message(parts: tuple[str, ...]) -> MessageItem:
    """The attached context as one user message of separate `input_text` items.

    It goes right before the user's own message, so the prompt (and every title
    made from it) stays the user's words, and a transcript can tell it apart.
    """
    texts = [CONTEXT_OPEN, *parts, CONTEXT_CLOSE]
    return {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": t} for t in texts],
    }


def is_context(item: ResponseItem) -> bool:
    """Whether `item` is a `context_message`."""
    return (
        item["type"] == "message"
        and item["role"] == "user"
        and message_text(item).startswith(CONTEXT_OPEN)
    )


def context_labels(item: MessageItem) -> list[str]:
    """Short names of what a `context_message` attached (`a.py`, `a.py:3-4`)."""
    labels = []
    for part in item["content"][1:-1]:
        text = part["text"] if part["type"] != "input_image" else ""
        if text.startswith("File attached"):
            labels.append(text.rsplit(": ", 1)[-1].rsplit("/", 1)[-1])
        else:
            head = text.split("\n", 2)[1] if text.count("\n") >= 1 else ""
            name, _, lines = head.removeprefix("File: ").rstrip(":").partition(", lines ")
            labels.append(f"{name.rsplit('/', 1)[-1]}:{lines}" if lines else name)
    return labels
