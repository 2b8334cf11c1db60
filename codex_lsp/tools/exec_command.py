"""`exec_command` and `write_stdin`: Codex 0.169's interactive command tools.

Same names, parameters and output text as Codex's unified exec, so models
trained on Codex use them as they learned: `exec_command` starts a shell
command (on a PTY with `tty: true`), waits up to `yield_time_ms` and returns
what it printed, plus either its exit code or a session id; `write_stdin`
sends keys to that session (or just polls it) and returns what came since.
Approval and sandbox follow `shell` (`codex_lsp.approvals.commands`); "approve
for the session" of an escalated command with a `prefix_rule` covers every
later command made only of commands starting with that prefix.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from codex_lsp.approvals import ActionKey, ApprovalPolicy
from codex_lsp.approvals.commands import (
    REJECTED_BY_USER,
    retry_question,
    should_offer_unsandboxed_retry,
)
from codex_lsp.approvals.safe_commands import plain_commands
from codex_lsp.core.protocol import CommandRequest
from codex_lsp.sandbox.bwrap import Bubblewrap, default_sandbox
from codex_lsp.sandbox.denial import looks_like_sandbox_denial
from codex_lsp.sandbox.policy import SandboxPolicy
from codex_lsp.tools.base import ToolContext, ToolFailure, optional_int, require_str
from codex_lsp.tools.codex_schemas import (
    EXEC_COMMAND_DESCRIPTION,
    EXEC_COMMAND_PARAMETERS,
    WRITE_STDIN_DESCRIPTION,
    WRITE_STDIN_PARAMETERS,
)
from codex_lsp.tools.exec_sessions import ExecSession, ExecSessions
from codex_lsp.tools.live_output import live_tail
from codex_lsp.tools.shell import (
    _escalation,
    _escalation_hint,
    _workdir,
    decide_shell_call,
    launch_command,
)

DEFAULT_MAX_OUTPUT_TOKENS = 10_000
EXEC_YIELD_MS = (250, 10_000, 30_000)
"""exec_command's yield: (min, default, max), as Codex clamps it."""
WRITE_YIELD_MS = (250, 250, 30_000)
"""write_stdin with characters to send."""
POLL_YIELD_MS = (5_000, 5_000, 300_000)
"""write_stdin with nothing to send (a poll)."""
BYTES_PER_TOKEN = 4
"""Codex's token estimate: one token per four bytes."""
STDIN_CLOSED = (
    "stdin is closed for this session; rerun exec_command with tty=true to keep stdin open"
)


class ExecCommandTool:
    """`exec_command {cmd, workdir?, shell?, login?, tty?, yield_time_ms?, ...}`."""

    name = "exec_command"
    description = EXEC_COMMAND_DESCRIPTION
    parameters: dict[str, Any] = EXEC_COMMAND_PARAMETERS

    def __init__(self, sandbox: Bubblewrap | None = None) -> None:
        self._sandbox = sandbox

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        sessions = _sessions(ctx)
        cmd = require_str(args, "cmd")
        cwd = _workdir(ctx, args.get("workdir"))
        argv = [_shell(args.get("shell")), "-lc" if _flag(args, "login", True) else "-c", cmd]
        tty = _flag(args, "tty", False)
        wait_ms = _clamp(optional_int(args, "yield_time_ms", EXEC_YIELD_MS[1]), EXEC_YIELD_MS)
        budget = _budget(args)
        policy = await _approve(ctx, argv, cwd, args, self._sandbox)
        started = time.monotonic()
        session, data, total = await self._run(ctx, sessions, argv, cwd, tty, policy, wait_ms)
        code = session.exit_code()
        if policy is None or code is None:
            return render(session, data, total, time.monotonic() - started, budget)
        if not looks_like_sandbox_denial(code, data.decode("utf-8", "replace")):
            return render(session, data, total, time.monotonic() - started, budget)
        if should_offer_unsandboxed_retry(ctx.policy):  # as `shell`: ask, then run outside
            shown = render(session, data, total, time.monotonic() - started, budget)
            try:
                await _ask(ctx, argv, cwd, retry_question(argv, ctx.config.sandbox_mode), None)
            except ToolFailure as exc:
                raise ToolFailure(
                    f"{REJECTED_BY_USER}: it failed in the sandbox and the user declined to "
                    f"run it without the sandbox.\n{shown}"
                ) from exc
            started = time.monotonic()
            session, data, total = await self._run(ctx, sessions, argv, cwd, tty, None, wait_ms)
        shown = render(session, data, total, time.monotonic() - started, budget)
        if policy is not None and ctx.policy is ApprovalPolicy.ON_REQUEST:
            return shown + _escalation_hint(ctx.config.sandbox_mode)
        return shown

    async def _run(
        self,
        ctx: ToolContext,
        sessions: ExecSessions,
        argv: list[str],
        cwd: Path,
        tty: bool,
        policy: SandboxPolicy | None,
        wait_ms: int,
    ) -> tuple[ExecSession, bytes, int]:
        """Start the session and collect its first output; cancelling kills it."""
        session = await _start(ctx, sessions, argv, cwd, tty, policy, self._sandbox)
        try:
            async with live_tail(ctx) as tail:
                data, total = await sessions.collect(session, wait_ms, tail.feed)
        except asyncio.CancelledError:
            await asyncio.shield(sessions.close(session.id))
            raise
        return session, data, total


class WriteStdinTool:
    """`write_stdin {session_id, chars?, yield_time_ms?, max_output_tokens?}`."""

    name = "write_stdin"
    description = WRITE_STDIN_DESCRIPTION
    parameters: dict[str, Any] = WRITE_STDIN_PARAMETERS

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        sessions = _sessions(ctx)
        session_id = optional_int(args, "session_id", -1)
        session = sessions.get(session_id)
        if session is None or session.thread_id != ctx.thread_id:
            raise ToolFailure(f"Unknown process id {session_id}")
        chars = args.get("chars") or ""
        if not isinstance(chars, str):
            raise ToolFailure("'chars' must be a string")
        limits = WRITE_YIELD_MS if chars else POLL_YIELD_MS
        wait_ms = _clamp(optional_int(args, "yield_time_ms", limits[1]), limits)
        budget = _budget(args)
        started = time.monotonic()
        if chars:
            if not session.tty:
                raise ToolFailure(STDIN_CLOSED)
            try:
                await sessions.write(session, chars.encode("utf-8"))
            except OSError as exc:
                raise ToolFailure(f"write_stdin failed: {exc.strerror or exc}") from exc
        async with live_tail(ctx) as tail:
            data, total = await sessions.collect(session, wait_ms, tail.feed)
        return render(session, data, total, time.monotonic() - started, budget)


def render(session: ExecSession, data: bytes, total: int, wall_s: float, budget: int) -> str:
    """The text the model sees, in Codex's layout."""
    text = data.decode("utf-8", "replace")
    lines = [f"Chunk ID: {secrets.token_hex(3)}", f"Wall time: {wall_s:.4f} seconds"]
    code = session.exit_code()
    if code is not None:
        lines.append(f"Process exited with code {code}")
    else:
        lines.append(f"Process running with session ID {session.id}")
    lines.append(f"Original token count: {math.ceil(total / BYTES_PER_TOKEN)}")
    lines.append("Output:")
    return "\n".join(lines) + "\n" + truncate_to_tokens(text, budget)


def truncate_to_tokens(text: str, max_tokens: int) -> str:
    """Whole if it fits `max_tokens`, else head and tail around `…N tokens truncated…`."""
    raw = text.encode("utf-8")
    budget = max_tokens * BYTES_PER_TOKEN
    if len(raw) <= budget:
        return text
    half = budget // 2
    head = raw[:half].decode("utf-8", "ignore")
    tail = raw[len(raw) - half :].decode("utf-8", "ignore") if half else ""
    removed = math.ceil((len(raw) - 2 * half) / BYTES_PER_TOKEN)
    total_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return f"Total output lines: {total_lines}\n\n{head}…{removed} tokens truncated…{tail}"


# ---- approval and start -------------------------------------------------------


async def _approve(
    ctx: ToolContext, argv: list[str], cwd: Path, args: dict[str, Any], sandbox: Bubblewrap | None
) -> SandboxPolicy | None:
    """Decide and maybe ask; the sandbox policy to run under, None for unsandboxed."""
    _escalation(args)  # a bad `sandbox_permissions` is the model's error, approved prefix or not
    justification = args.get("justification")
    prefix = _prefix_rule(args.get("prefix_rule"))
    if ctx.approvals.prefix_approved(plain_commands(argv)):
        return None
    decision, policy, _ = await decide_shell_call(ctx, argv, args, sandbox)
    if decision.action == "reject":
        raise ToolFailure(decision.reason or REJECTED_BY_USER)
    if decision.action == "ask":
        reason = decision.reason or ""
        if isinstance(justification, str) and justification and justification not in reason:
            reason = f"{reason} The agent says: {justification}".strip()
        await _ask(ctx, argv, cwd, reason or None, prefix)
    sandboxed = decision.sandboxed and not policy.unrestricted
    return policy if sandboxed else None


async def _ask(
    ctx: ToolContext, argv: list[str], cwd: Path, reason: str | None, prefix: list[str] | None
) -> None:
    """Ask the user; remember "approve for session" by `prefix_rule` when it covers `argv`."""
    decision = await ctx.host.approve_command(CommandRequest(ctx.thread_id, argv, cwd, reason))
    if decision not in ("approve", "approveForSession"):
        raise ToolFailure(REJECTED_BY_USER)
    if decision == "approveForSession":
        commands = plain_commands(argv)
        if prefix and commands and all(c.argv[: len(prefix)] == tuple(prefix) for c in commands):
            ctx.approvals.approve_prefix(prefix)
        else:
            ctx.approvals.approve(ActionKey.shell(argv))


async def _start(
    ctx: ToolContext,
    sessions: ExecSessions,
    argv: list[str],
    cwd: Path,
    tty: bool,
    policy: SandboxPolicy | None,
    sandbox: Bubblewrap | None,
) -> ExecSession:
    bwrap = sandbox if sandbox is not None else default_sandbox()
    full, env = launch_command(ctx, argv, cwd, policy, bwrap)
    try:
        return await sessions.start(
            full,
            cwd,
            env,
            thread_id=ctx.thread_id,
            display=argv[2],
            tty=tty,
            graceful_stop=policy is None and full is not argv,
        )
    except OSError as exc:
        raise ToolFailure(f"could not start {argv[0]!r}: {exc.strerror or exc}") from exc


# ---- arguments ------------------------------------------------------------------


def _sessions(ctx: ToolContext) -> ExecSessions:
    if ctx.exec_sessions is None:
        raise ToolFailure("interactive command sessions are not available in this context")
    return ctx.exec_sessions


def _shell(value: object) -> str:
    """The shell to run `cmd` with: the one asked for, else bash (Codex: the user's)."""
    if value is None or value == "":
        return "bash"
    if not isinstance(value, str):
        raise ToolFailure("'shell' must be a string")
    if shutil.which(value) is None:
        raise ToolFailure(f"shell {value!r} not found")
    return value


def _flag(args: dict[str, Any], key: str, default: bool) -> bool:
    value = args.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ToolFailure(f"argument {key!r} must be true or false")
    return value


def _clamp(value: int, limits: tuple[int, int, int]) -> int:
    low, _default, high = limits
    return max(low, min(value, high))


def _budget(args: dict[str, Any]) -> int:
    value = optional_int(args, "max_output_tokens", DEFAULT_MAX_OUTPUT_TOKENS)
    if value <= 0:
        raise ToolFailure("'max_output_tokens' must be a positive number")
    return value


def _prefix_rule(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
        raise ToolFailure("'prefix_rule' must be an array of non-empty strings")
    return list(value) or None
