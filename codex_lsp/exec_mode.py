"""`codex-lsp exec`: the same agent engine in a terminal, without an editor.

Streams the model's text, prints each proposed change as a (coloured) diff,
asks y/n before writing, writes atomically. Exit codes: 0 applied (or
answered), 1 failed, 2 rejected. Imports nothing from the LSP layer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from pathlib import Path
from typing import TextIO

from codex_lsp.agent import tasks
from codex_lsp.agent.attachments import ImageSource, load_images
from codex_lsp.agent.engine import Agent
from codex_lsp.config import ConfigError, load_config
from codex_lsp.core.disk import FreshWrites
from codex_lsp.core.protocol import (
    AgentEvent,
    AgentText,
    ApplyOutcome,
    CommandRequest,
    Decision,
    EditProposal,
    Notice,
    PlanUpdate,
    ReviewDecision,
    ReviewedEdit,
    Snapshot,
    TextReset,
    ToolStep,
    WebSearch,
)
from codex_lsp.core.workspace import (
    OutsideWorkspace,
    UnreadableFile,
    Workspace,
    read_text_file,
)
from codex_lsp.edits.file_diff import show_file
from codex_lsp.edits.lines import lsp_lines, split_lines
from codex_lsp.tools.images import ImageProblem

EXIT_OK, EXIT_FAILED, EXIT_REJECTED = 0, 1, 2


def colour_diff(diff: str, enabled: bool) -> str:
    """Green additions, red removals, cyan hunk headers (only on a terminal)."""
    if not enabled:
        return diff
    out = []
    for line in split_lines(diff):
        if line.startswith(("+++", "---")):
            out.append(f"\x1b[1m{line.rstrip(chr(10))}\x1b[0m\n")
        elif line.startswith("+"):
            out.append(f"\x1b[32m{line.rstrip(chr(10))}\x1b[0m\n")
        elif line.startswith("-"):
            out.append(f"\x1b[31m{line.rstrip(chr(10))}\x1b[0m\n")
        elif line.startswith("@@"):
            out.append(f"\x1b[36m{line.rstrip(chr(10))}\x1b[0m\n")
        else:
            out.append(line)
    return "".join(out)


def web_search_line(event: WebSearch) -> str:
    """A finished search as `codex exec` prints it (`web search: <query>`), then its sources."""
    sources = "".join(f"  {url}\n" for url in event.sources)
    return f"web search: {event.query or event.detail}\n{sources}"


class TerminalHost:
    """`AgentHost` for a terminal: disk files, stdout text, y/n questions."""

    def __init__(self, workspace: Workspace, assume_yes: bool, never_ask: bool) -> None:
        self.workspace = workspace
        self.assume_yes = assume_yes or never_ask
        self.out: TextIO = sys.stdout
        self.err: TextIO = sys.stderr
        self.colour = self.out.isatty() and not os.environ.get("NO_COLOR")
        self.writes = FreshWrites(self.snapshot)

    def snapshot(self, path: Path) -> Snapshot | None:
        return None

    async def emit(self, event: AgentEvent) -> None:
        if isinstance(event, AgentText):
            self.out.write(event.delta)
            self.out.flush()
        elif isinstance(event, TextReset):
            self.err.write("\n[stream restarted]\n")
        elif isinstance(event, ToolStep) and event.phase == "end":
            mark = "✓" if event.ok else "✗"
            self.err.write(f"{mark} {event.detail}\n")
        elif isinstance(event, WebSearch) and event.phase == "end":
            self.err.write(web_search_line(event))
        elif isinstance(event, PlanUpdate):
            for step in event.plan:
                self.err.write(f"  [{step['status']}] {step['step']}\n")
        elif isinstance(event, Notice):
            self.err.write(f"{event.level}: {event.message}\n")

    def _ask(self, question: str) -> bool:
        if self.assume_yes:
            return True
        if not sys.stdin.isatty():
            self.err.write(f"{question} no (no terminal to ask; use --yes to apply)\n")
            return False
        self.err.write(f"{question} [y/N] ")
        self.err.flush()
        answer = sys.stdin.readline().strip().lower()
        return answer in ("y", "yes")

    async def review_edit(self, proposal: EditProposal) -> ReviewedEdit:
        self.out.write("\n")
        for f in proposal.files:
            shown = show_file(f, self.workspace.relative)
            self.out.write(colour_diff(shown.diff, self.colour))
        self.out.flush()
        approved = await asyncio.to_thread(self._ask, "Apply this change?")
        return ReviewedEdit(proposal, ReviewDecision("approve" if approved else "reject"))

    async def apply_edit(self, edit: ReviewedEdit) -> ApplyOutcome:
        return await self.writes.write(edit.to_write.files)

    async def approve_command(self, request: CommandRequest) -> Decision:
        ok = await asyncio.to_thread(
            self._ask, f"Run `{' '.join(request.command)}` in {request.cwd}?"
        )
        return "approve" if ok else "reject"


def _parse_range(value: str) -> tuple[int, int]:
    first, _, last = value.partition(":")
    start, end = int(first), int(last or first)
    if start < 1 or end < start:
        raise ValueError
    return start, end


def build_spec(
    workspace: Workspace, prompt: str, file: str | None, line_range: str | None
) -> tasks.TaskSpec:
    """Edit a selection when a file is given, otherwise a workspace task."""
    if not file:
        if line_range:
            raise ValueError("--range needs --file")
        return tasks.run_task(prompt)
    path = workspace.resolve(file)
    text = read_text_file(path)
    lines = lsp_lines(text)
    start, end = _parse_range(line_range) if line_range else (1, max(1, len(lines)))
    if start > max(1, len(lines)):
        raise ValueError(f"--range starts at line {start} but {file} has {len(lines)} lines")
    chosen = lines[start - 1 : end]
    sel = tasks.Selection(
        workspace.relative(path), start, start + max(0, len(chosen) - 1), "\n".join(chosen)
    )
    return tasks.edit_selection(sel, prompt)


def attach_images(spec: tasks.TaskSpec, names: list[str]) -> tasks.TaskSpec:
    """`spec` with the `--image` files in its message; `ImageProblem` names a bad one."""
    if not names:
        return spec
    sources = [ImageSource(path=Path(name).expanduser(), shown_as=name) for name in names]
    return dataclasses.replace(spec, images=load_images(sources))


def run_exec(
    prompt: str,
    file: str | None,
    line_range: str | None,
    yes: bool,
    cwd: str | None,
    images: list[str] | None = None,
    profile: str | None = None,
) -> int:
    """Run one task and map its status to the exit code.

    `profile`: as Codex's `--profile`, `<CODEX_HOME>/<profile>.config.toml` over config.toml.
    """
    try:
        overrides = {"profile": profile} if profile else None
        loaded = load_config(overrides=overrides, override_source="--profile")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    workspace = Workspace([Path(cwd or os.getcwd())])
    try:
        spec = attach_images(build_spec(workspace, prompt, file, line_range), images or [])
    except (OutsideWorkspace, UnreadableFile, ImageProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ValueError as exc:
        print(f"error: invalid --range {line_range!r}: {exc or 'use L1:L2'}", file=sys.stderr)
        return EXIT_FAILED
    host = TerminalHost(workspace, yes, loaded.config.approval_policy == "never")
    agent = Agent(loaded, workspace, host)

    async def go() -> int:
        try:
            result = await agent.run(spec)
        finally:
            await agent.aclose()
        print()
        if result.status == "failed":
            print(f"error: {result.error}", file=sys.stderr)
            return EXIT_FAILED
        if result.status == "rejected":
            return EXIT_REJECTED
        if result.changed_files:
            print(f"applied: {', '.join(result.changed_files)}", file=sys.stderr)
        return EXIT_OK

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        print("\ncancelled", file=sys.stderr)
        return EXIT_FAILED
