"""Run one unsandboxed command as a child subreaper, and kill its whole tree at the end.

A command outside bubblewrap (danger-full-access, or approved to run without
the sandbox) could `setsid` or double-fork its way out of the process group
that `process.run_process` kills, and outlive the turn. This launcher is the
command's parent: it marks itself a *child subreaper* (Linux
`PR_SET_CHILD_SUBREAPER`), so every orphan of the tree is re-parented to it
rather than to init, whatever session or group it moved to. When the command
exits, or the launcher gets SIGTERM (timeout, cancel) or its parent dies
(`PR_SET_PDEATHSIG`), it SIGKILLs every descendant and reaps them.

Unlike a PID namespace this leaves full access intact: setuid programs
(`sudo`), the host's process list and `kill` of outside processes still work.

It is run as a script (`python -I -S reaper.py -- argv...`), so it imports
only the standard library and starts in a few tens of milliseconds.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
SWEEP_ROUNDS = 500
"""Upper bound of kill-and-reap rounds (a tree that forks while being killed needs a few)."""
SWEEP_PAUSE_SEC = 0.01
CANNOT_START_EXIT_CODE = 127


def supported() -> bool:
    """Child subreapers exist on Linux only; elsewhere commands run as before."""
    return sys.platform.startswith("linux") and bool(sys.executable)


def reaper_command(argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> list[str]:
    """`argv` wrapped in this launcher; raises `FileNotFoundError` for a missing program.

    The check keeps "could not start" an error of the call, as when the
    program is started directly, rather than exit code 127 from the launcher.
    """
    program = argv[0]
    if "/" in program:
        path = cwd / program
        found = path.is_file() and os.access(path, os.X_OK)
    else:
        found = shutil.which(program, path=env.get("PATH", os.defpath)) is not None
    if not found:
        raise FileNotFoundError(2, "No such file or directory", program)
    return [sys.executable, "-I", "-S", __file__, "--", *argv]


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _children_by_parent() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def descendants(root: int) -> list[int]:
    """Every process below `root` (children first), from /proc."""
    tree = _children_by_parent()
    found: list[int] = []
    stack = [root]
    while stack:
        for child in tree.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _reap_exited() -> bool:
    """Collect exited children; False once no child is left at all."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def kill_tree() -> None:
    """SIGKILL and reap all descendants, including orphans re-parented to us meanwhile."""
    for _ in range(SWEEP_ROUNDS):
        for pid in descendants(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if not _reap_exited():
            return
        time.sleep(SWEEP_PAUSE_SEC)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    kill_tree()
    os._exit(128 + signum)


def _let_the_command_decide(signum: int, frame: FrameType | None) -> None:
    """SIGINT: the command got it too; the reaper waits for what it does."""


def _original_env() -> dict[str, str]:
    """The environment we were given, before Python's locale coercion touched it."""
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return dict(os.environ)
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {os.fsdecode(k): os.fsdecode(v) for k, v in pairs}


def main(argv: list[str]) -> int:
    """Run `argv` to its end, then leave nothing of its tree behind."""
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: reaper.py -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    # Ctrl-C in an exec_command terminal reaches the whole foreground group, the command
    # too: it decides (a dev server cleans up and exits 0); its leftovers go after it.
    # A handler, not SIG_IGN, so the command does not inherit an ignored SIGINT.
    signal.signal(signal.SIGINT, _let_the_command_decide)
    try:
        child = os.posix_spawnp(
            argv[0], argv, _original_env(), setsigdef=(signal.SIGPIPE, signal.SIGXFSZ)
        )
    except OSError as exc:
        print(f"could not start {argv[0]!r}: {exc.strerror or exc}", file=sys.stderr)
        return CANNOT_START_EXIT_CODE
    _, status = os.waitpid(child, 0)
    kill_tree()
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
