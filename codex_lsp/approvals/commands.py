"""When a model-requested command may run, and whether it runs inside the sandbox.

This follows Codex's rules (`approval_policy` x `sandbox_mode`):

* `untrusted`: known-safe read-only commands run (sandboxed) without asking,
  everything else asks first.
* `on-failure`: run sandboxed without asking; if it fails in a way that looks
  like the sandbox refused it, ask to re-run it without the sandbox.
* `on-request`: run sandboxed without asking; the model may ask to run a
  command outside the sandbox (`sandbox_permissions: "require_escalated"` and
  a `justification`), which asks the user.
* `never`: never ask; run sandboxed; failures go back to the model.

A command the user approved runs without the sandbox (that is usually why it
was asked about: it needs to write elsewhere or reach the network), and
"approve for session" covers the exact same argv for the rest of the thread.
Two departures from Codex, both towards asking more: known-safe commands still
run inside the sandbox when one exists (a `ls` planted in the workspace on
`PATH` can then do no harm), and without a working sandbox *every* command
asks (`never` refuses instead) unless `sandbox_mode = "danger-full-access"`.

The safe-command list is deliberately short, and `bash -lc` scripts are read
by a tokenizer that gives up (treats the script as unsafe) on anything but
plain words, quotes without expansions, and `&&`, `||`, `;`, `|`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from codex_lsp.agent.protocol import AgentHost, CommandRequest
from codex_lsp.approvals import ActionKey, ApprovalPolicy, SessionApprovals
from codex_lsp.config.model import SandboxMode

REJECTED_BY_USER = "command rejected by user"
"""What the model is told when the user says no (the turn continues)."""

Action = Literal["run", "ask", "reject"]


# ---- the known-safe classifier ------------------------------------------------

SHELLS: frozenset[str] = frozenset(
    {
        "bash",
        "sh",
        "zsh",
        "dash",
        "/bin/bash",
        "/usr/bin/bash",
        "/bin/sh",
        "/usr/bin/sh",
        "/bin/zsh",
        "/usr/bin/zsh",
        "/bin/dash",
        "/usr/bin/dash",
    }
)
SHELL_SCRIPT_FLAGS: frozenset[str] = frozenset({"-c", "-lc"})

ALWAYS_SAFE: frozenset[str] = frozenset(
    {
        "basename",
        "cat",
        "cd",
        "dirname",
        "echo",
        "false",
        "grep",
        "head",
        "ls",
        "nl",
        "pwd",
        "readlink",
        "realpath",
        "stat",
        "tail",
        "true",
        "wc",
        "which",
    }
)
"""Commands with no option that writes files or runs other programs."""

UNSAFE_FIND_OPTIONS: frozenset[str] = frozenset(
    {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"}
)
"""`find` options that run programs, delete, or write files."""

UNSAFE_RG_OPTIONS: tuple[str, ...] = ("--pre", "--hostname-bin", "--search-zip")
"""`rg` options that run other programs (preprocessors, decompressors)."""

SAFE_GIT_SUBCOMMANDS: frozenset[str] = frozenset({"status", "log", "diff", "show", "branch"})
UNSAFE_GIT_OPTIONS: tuple[str, ...] = ("--output", "--ext-diff")
"""Options of the read-only git subcommands that write a file or run a diff program."""

READ_ONLY_GIT_BRANCH_FLAGS: frozenset[str] = frozenset(
    {
        "-a",
        "-r",
        "-v",
        "-vv",
        "-l",
        "--all",
        "--remotes",
        "--verbose",
        "--list",
        "--show-current",
        "--no-color",
        "--color",
        "--merged",
        "--no-merged",
        "--contains",
        "--no-contains",
    }
)
"""`git branch` flags that only list (anything else may create, delete or rename)."""

_SED_PRINT_RANGE = re.compile(r"\d+(,\d+)?p")


@dataclass(frozen=True)
class PlainCommand:
    """One simple command of a script, as words after quote removal."""

    argv: tuple[str, ...]
    globbed: bool = False
    """Some word had an unquoted glob or brace: its final arguments are unknown."""


def is_known_safe_command(argv: Sequence[str]) -> bool:
    """True if `argv` only reads: a safe command, or a plain script of only safe commands."""
    commands = plain_commands(argv)
    return bool(commands) and all(_is_safe(c) for c in commands or ())


def plain_commands(argv: Sequence[str]) -> list[PlainCommand] | None:
    """The simple commands `argv` runs: itself, or those of its `bash -lc` script.

    None when the script uses anything the tokenizer does not understand.
    """
    if not argv:
        return None
    if len(argv) == 3 and argv[0] in SHELLS and argv[1] in SHELL_SCRIPT_FLAGS:
        return parse_plain_script(argv[2])
    return [PlainCommand(tuple(argv))]


_SEPARATORS = ("&&", "||", ";", "|")
_GLOB_CHARS = frozenset("*?[]{}")
_PLAIN_CHARS = frozenset("_-./,:=@%+^~")
_DOUBLE_QUOTE_FORBIDDEN = frozenset("$`\\!")


def parse_plain_script(script: str) -> list[PlainCommand] | None:
    """Split a shell script into simple commands, or None if it is not plain.

    Plain means: words of letters, digits and `_-./,:=@%+^~` (unquoted glob
    characters allowed but recorded), single-quoted strings, double-quoted
    strings without `$`, backquote, backslash or `!`, joined by `&&`, `||`,
    `;` or `|`. Redirections, `&`, subshells, expansions, comments and
    newlines all make the script not plain.
    """
    commands: list[PlainCommand] = []
    words: list[str] = []
    word: list[str] = []
    in_word = False
    globbed = False
    i, n = 0, len(script)

    def end_command() -> bool:
        nonlocal words, globbed
        if not words:
            return False
        commands.append(PlainCommand(tuple(words), globbed))
        words, globbed = [], False
        return True

    while i < n:
        ch = script[i]
        separator = next((s for s in _SEPARATORS if script.startswith(s, i)), None)
        if ch in " \t" or separator is not None:
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            if separator is not None and not end_command():
                return None
            i += len(separator) if separator is not None else 1
            continue
        in_word = True
        if ch in "'\"":
            close = script.find(ch, i + 1)
            if close < 0:
                return None
            inner = script[i + 1 : close]
            if ch == '"' and any(c in _DOUBLE_QUOTE_FORBIDDEN for c in inner):
                return None
            word.append(inner)
            i = close + 1
            continue
        if ch in _GLOB_CHARS:
            globbed = True
        elif not (ch.isalnum() or ch in _PLAIN_CHARS):
            return None
        word.append(ch)
        i += 1
    if in_word:
        words.append("".join(word))
    if not end_command():
        return None
    return commands


def _is_safe(command: PlainCommand) -> bool:
    argv = command.argv
    name, args = argv[0], argv[1:]
    if name in ALWAYS_SAFE:
        return True
    if command.globbed:
        # The rules below inspect arguments; a glob could expand to a file named `-delete`.
        return False
    if name == "find":
        return not any(a in UNSAFE_FIND_OPTIONS for a in args)
    if name == "rg":
        return not any(_is_unsafe_rg_arg(a) for a in args)
    if name == "git":
        return _is_safe_git(args)
    if name == "sed":
        return (
            len(args) >= 3
            and args[0] == "-n"
            and _SED_PRINT_RANGE.fullmatch(args[1]) is not None
            and all(a and not a.startswith("-") for a in args[2:])
        )
    return False


def _is_unsafe_rg_arg(arg: str) -> bool:
    if any(arg == opt or arg.startswith(opt + "=") for opt in UNSAFE_RG_OPTIONS):
        return True
    # `-z` (search compressed files via external tools), also inside `-iz`.
    return arg.startswith("-") and not arg.startswith("--") and "z" in arg[1:]


def _is_safe_git(args: tuple[str, ...]) -> bool:
    if not args or args[0] not in SAFE_GIT_SUBCOMMANDS:
        return False
    rest = args[1:]
    if any(a.startswith(UNSAFE_GIT_OPTIONS) for a in rest):
        return False
    if args[0] != "branch":
        return True
    flags = [a for a in rest if a.startswith("-")]
    if any(f not in READ_ONLY_GIT_BRANCH_FLAGS for f in flags):
        return False
    positional = [a for a in rest if not a.startswith("-")]
    # Positional names create a branch, except as patterns (`--list`) or commit filters.
    listing = {"-l", "--list", "--contains", "--no-contains", "--merged", "--no-merged"}
    return not positional or any(f in listing for f in flags)


# ---- the decision -------------------------------------------------------------


@dataclass(frozen=True)
class CommandDecision:
    """What to do with a command before running it."""

    action: Action
    sandboxed: bool = True
    """How to run it if `action` is "run" (an approved command runs unsandboxed)."""
    reason: str | None = None
    """The question for the user ("ask") or the explanation for the model ("reject")."""


def decide_command(
    argv: Sequence[str],
    *,
    policy: ApprovalPolicy,
    sandbox_mode: SandboxMode,
    sandbox_available: bool,
    sandbox_reason: str = "",
    approvals: SessionApprovals,
    escalate: bool = False,
    justification: str | None = None,
) -> CommandDecision:
    """Decide run / ask / reject for `argv`; see the module docstring for the rules."""
    shown = _display(argv)
    if escalate and policy is not ApprovalPolicy.ON_REQUEST:
        return CommandDecision(
            "reject",
            reason=(
                f'sandbox_permissions "require_escalated" is only for approval_policy '
                f'"on-request"; the policy is "{policy.value}". Call again without it.'
            ),
        )
    if approvals.approved(ActionKey.shell(argv)):
        return CommandDecision("run", sandboxed=False)
    safe = is_known_safe_command(argv)
    if sandbox_mode == "danger-full-access":
        if policy is ApprovalPolicy.UNTRUSTED and not safe:
            return CommandDecision("ask", False, _untrusted_question(shown))
        return CommandDecision("run", sandboxed=False)
    if not sandbox_available:
        if policy is ApprovalPolicy.NEVER:
            return CommandDecision(
                "reject",
                reason=(
                    f"not run: no sandbox is available ({sandbox_reason}) and approval_policy "
                    f'is "never", so nobody can approve running it unsandboxed'
                ),
            )
        question = f"No sandbox is available ({sandbox_reason}). Run `{shown}` unsandboxed?"
        if escalate and justification:
            question += f" The agent says: {justification}"
        return CommandDecision("ask", False, question)
    if escalate:
        why = justification or "no justification given"
        return CommandDecision(
            "ask", False, f"The agent asks to run `{shown}` outside the sandbox: {why}"
        )
    if policy is ApprovalPolicy.UNTRUSTED and not safe:
        return CommandDecision("ask", False, _untrusted_question(shown))
    return CommandDecision("run", sandboxed=True)


def should_offer_unsandboxed_retry(policy: ApprovalPolicy) -> bool:
    """Whether a sandbox-looking failure is put to the user (else it goes to the model)."""
    return policy in (ApprovalPolicy.ON_FAILURE, ApprovalPolicy.UNTRUSTED)


def retry_question(argv: Sequence[str], sandbox_mode: SandboxMode) -> str:
    """The question asked after a sandboxed command failed."""
    return (
        f"`{_display(argv)}` failed in the sandbox ({sandbox_mode}); "
        "run it again without the sandbox?"
    )


async def ask_user(
    host: AgentHost,
    approvals: SessionApprovals,
    thread_id: str,
    argv: Sequence[str],
    cwd: Path,
    reason: str | None,
) -> bool:
    """Ask the user about `argv`; remember "approveForSession"; True if approved."""
    decision = await host.approve_command(CommandRequest(thread_id, list(argv), cwd, reason))
    if decision == "approveForSession":
        approvals.approve(ActionKey.shell(argv))
    return decision in ("approve", "approveForSession")


def _untrusted_question(shown: str) -> str:
    return f'approval_policy is "untrusted" and `{shown}` is not a known read-only command. Run it?'


def _display(argv: Sequence[str]) -> str:
    """The command as one line for questions (a `bash -lc` script shows as the script)."""
    if len(argv) == 3 and argv[0] in SHELLS and argv[1] in SHELL_SCRIPT_FLAGS:
        return argv[2]
    return shlex.join(argv)


__all__ = [
    "REJECTED_BY_USER",
    "CommandDecision",
    "PlainCommand",
    "ask_user",
    "decide_command",
    "is_known_safe_command",
    "parse_plain_script",
    "plain_commands",
    "retry_question",
    "should_offer_unsandboxed_retry",
]
