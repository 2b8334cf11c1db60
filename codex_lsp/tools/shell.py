"""The `shell` and `shell_command` tools: run a command in the workspace, safely.

Same function shapes as Codex CLI, so models trained on Codex call them
correctly: `shell` takes an argv (`["bash", "-lc", "..."]` for shell syntax),
`shell_command` a script run with `bash -lc`. A call goes through the
approval rules of `codex_lsp.approvals.commands` (run, ask, or refuse;
sandboxed or not), then runs in its own process group under bubblewrap when
sandboxed, with the `[shell_environment_policy]` environment, a deadline,
and output capped for the model. Results, failures included, go back to the
model as text; only a user's rejection becomes a `ToolFailure`.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from codex_lsp.approvals import ApprovalPolicy
from codex_lsp.approvals.commands import (
    REJECTED_BY_USER,
    CommandDecision,
    ask_user,
    decide_command,
    retry_question,
    should_offer_unsandboxed_retry,
)
from codex_lsp.config import build_shell_env
from codex_lsp.core.workspace import OutsideWorkspace
from codex_lsp.redact import scrub_env
from codex_lsp.sandbox import reaper
from codex_lsp.sandbox.bwrap import Bubblewrap, default_sandbox
from codex_lsp.sandbox.denial import looks_like_sandbox_denial
from codex_lsp.sandbox.output import ExecResult, format_for_model
from codex_lsp.sandbox.policy import SandboxPolicy, policy_from_config
from codex_lsp.sandbox.process import run_process
from codex_lsp.tools.base import ToolContext, ToolFailure, optional_int
from codex_lsp.tools.live_output import live_tail

DEFAULT_TIMEOUT_MS = 10_000
"""Deadline of a command when the model gives no `timeout_ms` (Codex's default)."""
MAX_TIMEOUT_MS = 600_000
"""Longest deadline a model may ask for (10 minutes); larger values are clamped."""
NETWORK_DISABLED_ENV = "CODEX_SANDBOX_NETWORK_DISABLED"
"""Set to "1" for commands without network, as Codex does (test suites check it)."""

_COMMON_PROPERTIES: dict[str, Any] = {
    "workdir": {
        "type": "string",
        "description": "Working directory (inside the workspace; default: the workspace root).",
    },
    "timeout_ms": {
        "type": "number",
        "description": f"Timeout in milliseconds (default {DEFAULT_TIMEOUT_MS}, "
        f"at most {MAX_TIMEOUT_MS}).",
    },
    "sandbox_permissions": {
        "type": "string",
        "enum": ["use_default", "require_escalated"],
        "description": 'Only with approval_policy "on-request": "require_escalated" asks the '
        "user to run this command outside the sandbox (for writes outside the workspace "
        "or network access). Give a justification.",
    },
    "justification": {
        "type": "string",
        "description": 'Only with sandbox_permissions "require_escalated": one sentence the '
        "user sees explaining why the command must run outside the sandbox.",
    },
}


class ShellTool:
    """`shell {command: [str], workdir?, timeout_ms?}`: run an argv (execvp, no shell)."""

    name = "shell"
    description = (
        "Runs a command and returns its exit code and output (stdout and stderr "
        "interleaved, long output shortened in the middle). The command is an argv array "
        'executed without a shell; use ["bash", "-lc", "<script>"] for pipes, && or globs. '
        "Always set workdir rather than using cd."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "command": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The command to execute, as an argv array.",
            },
            **_COMMON_PROPERTIES,
        },
        "required": ["command"],
        "additionalProperties": False,
    }

    def __init__(self, sandbox: Bubblewrap | None = None) -> None:
        self._sandbox = sandbox

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        command = args.get("command")
        if (
            not isinstance(command, list)
            or not command
            or not all(isinstance(a, str) for a in command)
            or not command[0]
        ):
            raise ToolFailure("'command' must be a non-empty array of strings")
        return await run_shell_call(ctx, list(command), args, self._sandbox)


class ShellCommandTool:
    """`shell_command {command: str, workdir?, timeout_ms?}`: run a script with `bash -lc`."""

    name = "shell_command"
    description = (
        "Runs a shell script with `bash -lc` and returns its exit code and output (stdout "
        "and stderr interleaved, long output shortened in the middle). Always set workdir "
        "rather than using cd."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The shell script to run."},
            **_COMMON_PROPERTIES,
        },
        "required": ["command"],
        "additionalProperties": False,
    }

    def __init__(self, sandbox: Bubblewrap | None = None) -> None:
        self._sandbox = sandbox

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        script = args.get("command")
        if not isinstance(script, str) or not script.strip():
            raise ToolFailure("'command' must be a non-empty string")
        return await run_shell_call(ctx, ["bash", "-lc", script], args, self._sandbox)


async def run_shell_call(
    ctx: ToolContext, argv: list[str], args: dict[str, Any], sandbox: Bubblewrap | None = None
) -> str:
    """Decide, maybe ask, run, and after a sandbox failure maybe ask and re-run."""
    cwd = _workdir(ctx, args.get("workdir"))
    timeout_ms = _timeout_ms(args)
    decision, policy, bwrap = await decide_shell_call(ctx, argv, args, sandbox)
    if decision.action == "reject":
        raise ToolFailure(decision.reason or REJECTED_BY_USER)
    if decision.action == "ask" and not await _ask(ctx, argv, cwd, decision.reason):
        raise ToolFailure(REJECTED_BY_USER)
    sandboxed = decision.sandboxed and not policy.unrestricted
    result = await _execute(ctx, argv, cwd, timeout_ms, policy if sandboxed else None, bwrap)
    if not sandboxed or result.timed_out:
        return format_for_model(result)
    if not looks_like_sandbox_denial(result.exit_code, result.output):
        return format_for_model(result)
    if should_offer_unsandboxed_retry(ctx.policy):
        question = retry_question(argv, ctx.config.sandbox_mode)
        if not await _ask(ctx, argv, cwd, question):
            raise ToolFailure(
                f"{REJECTED_BY_USER}: it failed in the sandbox and the user declined to run it "
                f"without the sandbox.\n{format_for_model(result)}"
            )
        return format_for_model(await _execute(ctx, argv, cwd, timeout_ms, None, bwrap))
    if ctx.policy is ApprovalPolicy.ON_REQUEST:
        return format_for_model(result) + _escalation_hint(ctx.config.sandbox_mode)
    return format_for_model(result)


async def _ask(ctx: ToolContext, argv: list[str], cwd: Path, reason: str | None) -> bool:
    return await ask_user(ctx.host, ctx.approvals, ctx.thread_id, argv, cwd, reason)


async def _execute(
    ctx: ToolContext,
    argv: list[str],
    cwd: Path,
    timeout_ms: int,
    policy: SandboxPolicy | None,
    bwrap: Bubblewrap,
) -> ExecResult:
    """Run once, sandboxed under `policy` or (None) under the tree-killing `reaper`.

    Either way nothing the command starts outlives it, not even a `setsid`
    daemon: bubblewrap's PID namespace dies with the command, and the reaper
    kills every descendant it inherits.
    """
    try:
        full, env = launch_command(ctx, argv, cwd, policy, bwrap)
        graceful = policy is None and full is not argv
        async with live_tail(ctx) as tail:
            return await run_process(
                full, cwd, env, timeout_ms, graceful_stop=graceful, on_output=tail.feed
            )
    except OSError as exc:
        raise ToolFailure(f"could not start {argv[0]!r}: {exc.strerror or exc}") from exc


def _workdir(ctx: ToolContext, workdir: object) -> Path:
    if workdir is None or workdir == "":
        return ctx.workspace.primary
    if not isinstance(workdir, str):
        raise ToolFailure("'workdir' must be a string")
    try:
        path = ctx.workspace.resolve(workdir)
    except OutsideWorkspace as exc:
        raise ToolFailure(str(exc)) from exc
    if not path.is_dir():
        raise ToolFailure(f"workdir {workdir} is not a directory")
    return path


def _timeout_ms(args: dict[str, Any]) -> int:
    value = optional_int(args, "timeout_ms", DEFAULT_TIMEOUT_MS)
    if value <= 0:
        raise ToolFailure("'timeout_ms' must be a positive number of milliseconds")
    return min(value, MAX_TIMEOUT_MS)


def launch_command(
    ctx: ToolContext,
    argv: list[str],
    cwd: Path,
    policy: SandboxPolicy | None,
    bwrap: Bubblewrap,
) -> tuple[list[str], dict[str, str]]:
    """What to spawn for `argv`, and its environment (`shell` and `exec_command`).

    Inside bubblewrap under `policy`; else under the reaper where it works; else `argv`.
    """
    env = scrub_env(build_shell_env(ctx.config.shell_environment_policy, os.environ))
    if policy is not None:
        full = bwrap.wrap(argv, cwd, policy)
        if not policy.network_access:
            env[NETWORK_DISABLED_ENV] = "1"
        return full, env
    if reaper.supported():
        return reaper.reaper_command(argv, cwd, env), env
    return argv, env


async def decide_shell_call(
    ctx: ToolContext, argv: list[str], args: dict[str, Any], sandbox: Bubblewrap | None
) -> tuple[CommandDecision, SandboxPolicy, Bubblewrap]:
    """The approval decision for `argv`, its sandbox policy and bubblewrap.

    One step for `shell` and `exec_command` (`sandbox_permissions` and `justification`
    come from `args`).
    """
    justification = args.get("justification")
    bwrap = sandbox if sandbox is not None else default_sandbox()
    status = await asyncio.to_thread(bwrap.status)
    policy = policy_from_config(ctx.config, ctx.workspace.roots, os.environ)
    decision = decide_command(
        argv,
        policy=ctx.policy,
        sandbox_mode=ctx.config.sandbox_mode,
        sandbox_available=status.available,
        sandbox_reason=status.detail,
        approvals=ctx.approvals,
        escalate=_escalation(args),
        justification=justification if isinstance(justification, str) else None,
    )
    return decision, policy, bwrap


def _escalation(args: dict[str, Any]) -> bool:
    value = args.get("sandbox_permissions", "use_default")
    if value in (None, "use_default"):
        return False
    if value == "require_escalated":
        return True
    raise ToolFailure('\'sandbox_permissions\' must be "use_default" or "require_escalated"')


def _escalation_hint(mode: str) -> str:
    return (
        f"\n\nNote: this failure looks like the {mode} sandbox refused a write or a network "
        "connection. If the command really needs that, call it again with sandbox_permissions: "
        '"require_escalated" and a one-sentence justification; the user will be asked.'
    )
