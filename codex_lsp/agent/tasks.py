"""Prompts for the editor's actions: edit a selection, explain, docstring, tests, fix.

Each action becomes a `TaskSpec`: the user message sent to the model, a title
for progress UIs, and whether the model may edit files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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


def _quote(sel: Selection) -> str:
    fence = "````" if "```" in sel.text else "```"
    return (
        f"File: {sel.path}, lines {sel.start_line}-{sel.end_line}:\n"
        f"{fence}{sel.language}\n{sel.text}\n{fence}"
    )


def edit_selection(sel: Selection, instruction: str) -> TaskSpec:
    """Rewrite the selected code as instructed."""
    return TaskSpec(
        title=f"Codex: {instruction[:60]}",
        prompt=(
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
    return TaskSpec(
        title=f"Codex: fix {message[:50]}",
        prompt=(
            f"Fix this diagnostic{f' from {origin}' if origin else ''}: {message}\n\n"
            f"{_quote(sel)}\n\n"
            "Make the smallest correct change with apply_patch."
        ),
    )


def ask(question: str, sel: Selection | None) -> TaskSpec:
    """Answer a question, with optional code context; no edits."""
    context = f"\n\n{_quote(sel)}" if sel else ""
    return TaskSpec(title=f"Codex: {question[:60]}", prompt=question + context, allow_edits=False)


def run_task(prompt: str) -> TaskSpec:
    """A free-form workspace task that may touch several files."""
    return TaskSpec(title=f"Codex: {prompt[:60]}", prompt=prompt)
