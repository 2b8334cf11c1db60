"""The stub: give this process's stdio to the zygote's fork, or serve in-process and start one.

Imports nothing heavy: a warm start is this module, one connect and one fork.
"""

from __future__ import annotations

import base64
import functools
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from codex_lsp import __version__
from codex_lsp.daemon import place
from codex_lsp.daemon.handoff import Lines, send_message, send_request

if TYPE_CHECKING:
    from codex_lsp.lsp.rpc.fast_start import EarlyStart

HANDSHAKE_TIMEOUT_S = 10.0
ZYGOTE_ENV_KEYS = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONPATH", "TMPDIR",
                   "XDG_RUNTIME_DIR", "CODEX_HOME", "CODEX_LSP_DAEMON_IDLE", "CODEX_LSP_MCP_IDLE")
"""All the zygote keeps of the first stub's environment (each server gets its own)."""
_ZYGOTE_CODE = (
    "import sys, pathlib; sys.path.insert(0, sys.argv[1]); "
    "from codex_lsp.daemon.zygote import main; "
    "sys.exit(main(pathlib.Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])))"
)


def _say(message: str) -> None:
    print(f"codex-lsp: {message}", file=sys.stderr, flush=True)


@functools.cache
def _place() -> tuple[Path, str] | None:
    try:
        print_ = place.fingerprint()
        return place.socket_path(print_=print_), print_
    except place.DaemonUnavailable as exc:
        _say(f"not using the daemon: {exc}")
        return None


def serve_remote(argv: list[str], early: EarlyStart | None = None) -> int | None:
    """Be served by the zygote: the server's exit code; None to serve in-process instead.

    `early`: what this process already read and answered (the first start answers
    `initialize` while the zygote loads); the forked server goes on from there.
    """
    found = _place()
    if found is None:
        return None
    path, print_ = found
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None  # no zygote yet (or a dead one's socket): start one after loading
    with sock:
        return _handoff(sock, argv, print_, early)


def _handoff(
    sock: socket.socket, argv: list[str], print_: str, early: EarlyStart | None
) -> int | None:
    umask = os.umask(0)
    os.umask(umask)
    request: dict[str, Any] = {
        "version": __version__, "fingerprint": print_, "cwd": os.getcwd(),
        "env": dict(os.environ), "argv": argv, "umask": umask,
    }
    if early is not None:
        request["early"] = {"consumed": base64.b64encode(early.consumed).decode(),
                            "answered": early.answered, "initializeId": early.initialize_id}
    sock.settimeout(HANDSHAKE_TIMEOUT_S)
    lines = Lines(sock)
    try:
        send_request(sock, request, [0, 1, 2])
        first = lines.message()
    except OSError:
        first = None
    if not first or first.get("ok") is not True:
        reason = (first or {}).get("error") or "no answer"
        _say(f"the daemon did not take over ({reason}); serving without it")
        return None
    send_message(sock, {"go": True})  # without this, a late fork never touches our stdio
    sock.settimeout(None)
    if not lines.buffer:
        _wait_in_shell(sock, first.get("pid"))  # returns only if it cannot
    last = lines.message()
    if last is None or not isinstance(last.get("exit"), int):
        _say(_ended_unexpectedly(first.get("pid")))
        return 1
    return int(last["exit"])


def _ended_unexpectedly(pid: object) -> str:
    return f"the server process {pid} (started by the daemon) ended unexpectedly"


WAITER_SHELL = "/bin/sh"
WAITER_FD = 3
_WAITER_SCRIPT = """\
IFS= read -r line <&3
case $line in
  *'"exit": '*) code=${line#*'"exit": '}; code=${code%%[!0-9]*}; exit "${code:-1}" ;;
esac
echo "codex-lsp: $1" >&2
exit 1
"""


def _wait_in_shell(sock: socket.socket, pid: object) -> None:
    """Wait for the server's exit code as a shell: ~0.2 MB where Python keeps ~8 MB per window.

    The editor watches this process, so it must last as long as the server; only
    the `{"exit": code}` line is left to read. The shell exits with that code,
    else says the server ended unexpectedly. Killing it closes the socket, which
    ends the server as before.
    """
    import signal

    try:
        os.dup2(sock.fileno(), WAITER_FD)
        os.set_inheritable(WAITER_FD, True)
        for name in ("SIGPIPE", "SIGXFSZ"):  # Python ignores these; a shell should not
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        sys.stderr.flush()
        argv = ["codex-lsp-stub", "-c", _WAITER_SCRIPT, "codex-lsp", _ended_unexpectedly(pid)]
        os.execv(WAITER_SHELL, argv)
    except OSError:
        pass  # no shell: wait in Python


def spawn_zygote(path: Path, print_: str) -> int | None:
    """Start a detached zygote for `path`; None if it cannot be started.

    Returns the read end of a pipe that gets a byte once the zygote accepts
    connections (end of file if it exits first).
    """
    import codex_lsp

    root = Path(codex_lsp.__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k in ZYGOTE_ENV_KEYS}
    ready_r, ready_w = os.pipe()
    argv = [sys.executable, "-P", "-c", _ZYGOTE_CODE, str(root), str(path), print_, str(ready_w)]
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(ready_r)
        os.close(ready_w)
        _say(f"could not start the daemon: {exc}")
        return None
    if pid == 0:  # pragma: no cover - the child; covered by the e2e tests
        _exec_detached(argv, env, ready_w)
    os.close(ready_w)
    os.waitpid(pid, 0)  # the intermediate child exits at once: the zygote is nobody's child
    return ready_r


def _exec_detached(argv: list[str], env: dict[str, str], keep_fd: int) -> NoReturn:
    """In a forked child: a new session, a grandchild that becomes the zygote, then exit."""
    try:
        os.setsid()
        if os.fork() == 0:
            os.chdir("/")
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # never the editor's pipes
                os.dup2(null, fd)
            os.set_inheritable(keep_fd, True)
            os.closerange(3, keep_fd)
            os.closerange(keep_fd + 1, 1 << 16)
            os.execve(argv[0], argv, env)
    finally:
        os._exit(0)
