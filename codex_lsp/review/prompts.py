"""What a review asks the model: the code or the diff, and the JSON findings to answer with.

Every review is a read-only turn. The answer format is asked for twice: as
structured output (`TaskSpec.output_schema`, sent as Responses `text.format` or
Chat `response_format`) and in words, for Chat servers that ignore the schema.
`uncommitted` and `baseBranch` reviews read `git diff`, run here under the
read-only sandbox (the model never gets a shell in a review).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from codex_lsp.agent.tasks import TaskSpec
from codex_lsp.review.findings import REVIEW_SCHEMA, SCHEMA_NAME

SCOPES = ("file", "selection", "uncommitted", "baseBranch")
DIFF_TIMEOUT_MS = 20_000

ANSWER_FORMAT = (
    "Answer with ONLY one JSON object, no prose and no code fence, of this shape:\n"
    '{"findings": [{"title": "<= 80 chars, imperative", "body": "why it is a problem '
    '(Markdown)", "confidence_score": 0.0-1.0, "priority": 0-3, "code_location": '
    '{"absolute_file_path": "<path>", "line_range": {"start": <1-based line>, "end": '
    '<1-based line>}}}], "overall_correctness": "patch is correct" | "patch is incorrect", '
    '"overall_explanation": "1-3 sentences", "overall_confidence_score": 0.0-1.0}\n'
    "Priorities: 0 = must fix now (crash, data loss, security), 1 = urgent bug, 2 = normal, "
    "3 = nit. Keep line ranges as short as possible (the lines that need to change). "
    "Report only real problems the author would want fixed; an empty list is a fine answer."
)

GUIDELINES = (
    "You are reviewing code as a careful senior engineer. Look for bugs, security problems, "
    "broken error handling, races and clear performance problems introduced by this code. "
    "Read other files with the read tools when you need context. Do not change any file."
)


@dataclass(frozen=True)
class ReviewTarget:
    """What to review: a scope and, for file and selection, the code."""

    scope: str
    path: Path | None = None
    rel: str = ""
    text: str = ""
    start_line: int = 0
    """0-based first line of `text` in the file."""
    language: str = ""
    base: str | None = None


def scope_key(target: ReviewTarget) -> str:
    """Which earlier findings a review replaces: same scope, same file or base."""
    if target.scope in ("file", "selection"):
        return f"{target.scope}:{target.path}"
    if target.scope == "baseBranch":
        return f"baseBranch:{target.base}"
    return target.scope


def _numbered(text: str, first: int) -> str:
    lines = text.splitlines()
    width = len(str(first + len(lines)))
    return "\n".join(f"{first + i:>{width}}  {line}" for i, line in enumerate(lines))


def review_task(target: ReviewTarget, diff: str | None = None, context: str = "") -> TaskSpec:
    """The read-only turn for `target` (`diff`: the `git diff` for the diff scopes).

    `context`: the language servers' problems in the reviewed lines, if any.
    """
    if target.scope in ("file", "selection"):
        first = target.start_line + 1
        last = target.start_line + max(len(target.text.splitlines()), 1)
        what = f"{target.rel}" if target.scope == "file" else f"{target.rel}:{first}-{last}"
        body = (
            f"Review {'the file' if target.scope == 'file' else 'these lines of'} {what} "
            f"(absolute path {target.path}). Lines are numbered:\n\n"
            f"```{target.language}\n{_numbered(target.text, first)}\n```"
        )
        title = f"Codex: review {what}"
        if context:
            body += f"\n\n{context}"
    else:
        label = (
            "uncommitted changes"
            if target.scope == "uncommitted"
            else f"changes against {target.base}"
        )
        body = (
            f"Review the {label} of this repository. Report findings only on changed lines. "
            f"The diff:\n\n```diff\n{diff or '(no changes)'}\n```"
        )
        title = f"Codex: review {label}"
    return TaskSpec(
        title=title,
        prompt=f"{GUIDELINES}\n\n{body}\n\n{ANSWER_FORMAT}",
        allow_edits=False,
        output_schema=REVIEW_SCHEMA,
        output_schema_name=SCHEMA_NAME,
    )


def diff_command(target: ReviewTarget) -> list[str]:
    """The `git diff` a diff-scoped review reads."""
    argv = ["git", "--no-pager", "diff", "--no-color", "--no-ext-diff", "--unified=5"]
    if target.scope == "baseBranch":
        return [*argv, f"{target.base}...HEAD"]
    return [*argv, "HEAD"]


async def read_diff(target: ReviewTarget, root: Path) -> str:
    """`git diff` for the scope, sandboxed read-only when bubblewrap works.

    `ValueError` with git's own message when it fails (not a repository, unknown base).
    """
    import asyncio

    from codex_lsp.sandbox.bwrap import default_sandbox
    from codex_lsp.sandbox.policy import SandboxPolicy
    from codex_lsp.sandbox.process import run_process

    argv = diff_command(target)
    bwrap = default_sandbox()
    status = await asyncio.to_thread(bwrap.status)
    full = bwrap.wrap(argv, root, SandboxPolicy("read-only")) if status.available else argv
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    try:
        result = await run_process(full, root, env, DIFF_TIMEOUT_MS)
    except OSError as exc:
        raise ValueError(f"could not run git: {exc.strerror or exc}") from exc
    if result.exit_code != 0:
        raise ValueError(f"git diff failed: {' '.join(result.output.split())[:300]}")
    return result.output


def summary_text(count: int, files: int, correctness: str, explanation: str) -> str:
    """One line for the command result and the progress end."""
    head = f"{count} finding{'s' if count != 1 else ''}" + (
        f" in {files} file{'s' if files != 1 else ''}" if count else ""
    )
    tail = f" ({correctness})" if correctness else ""
    return f"{head}{tail}" + (f": {explanation}" if explanation else "")


__all__ = ["SCOPES", "ReviewTarget", "read_diff", "review_task", "scope_key", "summary_text"]
