"""Is this command known to be safe? The classifier, apart from the approval decision.

As in Codex (`is_safe_command` is its own module there), this only answers "does
this argv only read?"; what to do about it (run, ask, reject, sandboxed or not) is
`codex_lsp.approvals.commands`. The list is deliberately short, and `bash -lc`
scripts are read by a tokenizer that gives up (treats the script as unsafe) on
anything but plain words, quotes without expansions, and `&&`, `||`, `;`, `|`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
