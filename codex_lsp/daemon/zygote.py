"""The zygote: the server's code loaded once, one forked server process per editor window.

It only imports code (no configuration, no environment, no threads), so each
forked child starts clean: it takes the stub's stdin/stdout/stderr, environment,
working directory and umask, then serves exactly as `codex-lsp` would.
"""

from __future__ import annotations

import fcntl
import importlib
import logging
import os
import signal
import socket
import struct
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codex_lsp import __version__, daemon
from codex_lsp.daemon import broker
from codex_lsp.daemon.handoff import Lines, receive_request, send_message

if TYPE_CHECKING:
    from codex_lsp.lsp.rpc.fast_start import EarlyStart

IDLE_ENV = "CODEX_LSP_DAEMON_IDLE"
DEFAULT_IDLE_S = 900.0
PRELOAD = (
    "codex_lsp.cli",
    "codex_lsp.lsp.server",
    "codex_lsp.lsp.rpc.nonblocking_transport",
    "codex_lsp.sandbox",
    "httpcore._async.connection_pool",
    "anyio._backends._asyncio",
)
"""What a server imports before its first answer and its first turn (with
`cli.FIRST_TURN_IMPORTS`). All of it is loaded before the first fork: what the
zygote loaded after a fork would unshare the pages it touches (+18 MB for one
idle window, measured), costing more than loading it first."""
_ZYGOTE_ONLY: list[int] = []
"""The zygote's lock and listening socket: closed in every forked server."""


def main(path: Path, print_: str, ready_fd: int | None = None) -> int:
    """Serve on `path` until idle for long enough or the socket file is gone.

    `ready_fd` gets one byte once connections are accepted (the first window waits on it).
    """
    lock = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another zygote serves this socket
    _ZYGOTE_ONLY.append(lock)  # a forked server must not keep the zygote's lock
    from codex_lsp.cli import FIRST_TURN_IMPORTS, import_server

    import_server()
    _preload((*PRELOAD, *FIRST_TURN_IMPORTS))
    _share_tls_roots()
    _prewarm()
    os.chdir("/")
    mcp = _Broker(path)
    mcp.start([] if ready_fd is None else [ready_fd])
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(16)
    _ZYGOTE_ONLY.append(listener.fileno())
    if ready_fd is not None:
        os.write(ready_fd, b".")
        os.close(ready_fd)
    listener.settimeout(1.0)
    inode = os.stat(path).st_ino
    try:
        _accept_loop(listener, path, inode, print_, _idle_seconds(), mcp)
    finally:
        if _is_ours(path, inode):
            path.unlink(missing_ok=True)
        listener.close()
    return 0


def _preload(names: tuple[str, ...]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:  # the server that needs it will say so
            pass


def _share_tls_roots() -> None:
    """Parse the usual TLS roots once, for every window.

    The roots (certifi's bundle in an SSL context, C memory no refcount touches)
    stay shared by every forked server that trusts no company CA of its own
    (`net.ssl_context` is cached by the CA file it adds).
    """
    from codex_lsp import net

    try:
        net.ssl_context({})
    except (OSError, ValueError):  # each server will build (and report) its own
        pass


def _prewarm() -> None:
    """Do once what every server does first (lazy set-up, cattrs hooks of the first messages).

    The server made here reads only the zygote's own bare environment and is
    dropped; what stays is module state that depends on no environment.
    """
    from codex_lsp.lsp.server import create_server

    server = create_server()
    caps = {"workspace": {"applyEdit": True, "workspaceEdit": {"documentChanges": True}},
            "window": {"workDoneProgress": True}, "textDocument": {"synchronization": {}}}
    doc = {"uri": "file:///w/a.py", "languageId": "python", "version": 1, "text": ""}
    pos = {"line": 0, "character": 0}
    samples = [
        ("initialize", {"processId": None, "rootUri": None, "capabilities": caps}),
        ("initialized", {}),
        ("textDocument/didOpen", {"textDocument": doc}),
        ("textDocument/didChange", {"textDocument": {"uri": doc["uri"], "version": 2},
                                    "contentChanges": [{"range": {"start": pos, "end": pos},
                                                        "text": "x"}]}),
        ("textDocument/codeAction", {"textDocument": {"uri": doc["uri"]},
                                     "range": {"start": pos, "end": pos},
                                     "context": {"diagnostics": []}}),
        ("workspace/executeCommand", {"command": "codex.status", "arguments": [{}]}),
    ]
    for n, (method, params) in enumerate(samples):
        try:
            server.protocol.decode_message(
                {"jsonrpc": "2.0", "id": n, "method": method, "params": params}
            )
        except Exception:  # a warm-up only; the real message will tell
            pass


def _idle_seconds() -> float:
    try:
        return max(1.0, float(os.environ.get(IDLE_ENV, DEFAULT_IDLE_S)))
    except ValueError:
        return DEFAULT_IDLE_S


def _is_ours(path: Path, inode: int) -> bool:
    """The socket file is still the one this process bound (not removed or replaced)."""
    try:
        return os.stat(path).st_ino == inode
    except OSError:
        return False


class _Broker:
    """The MCP broker beside this zygote (`daemon.broker`); forked again if it died."""

    def __init__(self, zygote: Path) -> None:
        self._zygote = zygote
        self.pid: int | None = None
        self._pipe: int | None = None

    def start(self, close: list[int]) -> None:
        """Fork it now if it is not running (with no threads or loop here, forking is safe)."""
        if self.pid is not None:
            return
        forked = broker.fork(self._zygote, [*_ZYGOTE_ONLY, *close])
        if forked is None:
            daemon.mcp_broker = None
            return
        self.pid, self._pipe = forked
        _ZYGOTE_ONLY.append(self._pipe)  # a window must not keep the broker alive
        daemon.mcp_broker = str(broker.socket_for(self._zygote))

    def reaped(self, pids: set[int]) -> None:
        """Forget a broker that exited (the next window gets a new one)."""
        if self.pid is None or self.pid not in pids:
            return
        self.pid = None
        if self._pipe is not None:
            _ZYGOTE_ONLY.remove(self._pipe)
            os.close(self._pipe)
            self._pipe = None


def _accept_loop(
    listener: socket.socket, path: Path, inode: int, print_: str, idle: float, mcp: _Broker
) -> None:
    """Serve until the socket file is gone or nothing used the daemon for `idle` seconds.

    While a window it forked is alive the daemon is in use (its MCP broker serves it).
    """
    last = time.monotonic()
    windows: set[int] = set()
    while _is_ours(path, inode) and time.monotonic() - last < idle:
        gone = _reap()
        windows -= gone
        mcp.reaped(gone)
        if windows:
            last = time.monotonic()
        try:
            conn, _addr = listener.accept()
        except TimeoutError:
            continue
        last = time.monotonic()
        mcp.start([])
        with conn:
            pid = _handle(conn, print_)
        if pid is not None:
            windows.add(pid)


def _reap() -> set[int]:
    """Collect exited children; their pids."""
    gone: set[int] = set()
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return gone
        if pid == 0:
            return gone
        gone.add(pid)


def _peer_uid(conn: socket.socket) -> int:
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", raw)[1])


def _handle(conn: socket.socket, print_: str) -> int | None:
    """Check one request and fork its server (its pid); every failure is answered, none fatal."""
    conn.settimeout(5.0)
    try:
        if _peer_uid(conn) != os.getuid():
            return None
        request, fds = receive_request(conn)
    except (OSError, ValueError):
        return None
    try:
        error = _refusal(request, print_)
        if error is not None:
            send_message(conn, {"ok": False, "error": error})
            return None
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; covered by the e2e tests
            code = 1
            try:
                for fd in _ZYGOTE_ONLY:
                    os.close(fd)
                code = _serve_child(conn, request, fds)
            finally:
                os._exit(code)
        return pid
    finally:
        for fd in fds:
            os.close(fd)


def _refusal(request: dict[str, Any], print_: str) -> str | None:
    if request.get("version") != __version__ or request.get("fingerprint") != print_:
        return (
            f"the daemon runs codex-lsp {__version__} ({print_}), the stub is "
            f"{request.get('version')} ({request.get('fingerprint')})"
        )
    if not isinstance(request.get("env"), dict) or not isinstance(request.get("cwd"), str):
        return "the request has no environment or working directory"
    if threading.active_count() != 1:
        return "the daemon has started threads, so it cannot fork safely"
    return None


def _serve_child(conn: socket.socket, request: dict[str, Any], fds: list[int]) -> int:
    """Become the stub's server: its fds, environment, directory, umask, arguments."""
    os.setsid()
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in request["env"].items()})
    os.umask(int(request.get("umask", 0o022)))
    try:
        os.chdir(request["cwd"])
    except OSError as exc:
        send_message(conn, {"ok": False, "error": f"cannot enter {request['cwd']}: {exc}"})
        return 1
    send_message(conn, {"ok": True, "pid": os.getpid()})
    go = Lines(conn).message()  # the stub may have given up waiting: then touch nothing
    if not go or go.get("go") is not True:
        return 1
    conn.settimeout(None)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    from codex_lsp import cli

    args = cli.build_parser().parse_args(list(request.get("argv") or []))
    cli._setup_logging(args.log_file, args.verbose)
    logging.getLogger(__name__).info("serving as pid %d, forked by the daemon", os.getpid())
    code = cli._serve(None, early_start=False, on_start=lambda: _watch_stub(conn),
                      early=_early_of(request))
    send_message(conn, {"exit": code})
    return code


def _early_of(request: dict[str, Any]) -> EarlyStart | None:
    """What the first start read and answered before handing over (None: nothing)."""
    import base64

    from codex_lsp.lsp.rpc.fast_start import EarlyStart

    early = request.get("early")
    if not isinstance(early, dict):
        return None
    answered = [a for a in early.get("answered") or [] if _is_id(a)]
    initialize_id = early.get("initializeId")
    return EarlyStart(
        initialize_id if _is_id(initialize_id) else None,
        base64.b64decode(str(early.get("consumed") or "")),
        answered,
    )


def _is_id(value: object) -> bool:
    """A JSON-RPC id (a number or a string; true and false are not)."""
    return isinstance(value, int | str) and not isinstance(value, bool)


async def _watch_stub(conn: socket.socket) -> None:
    """When the stub goes (the editor ended it), end as the editor would have ended us."""
    import asyncio

    def gone() -> None:
        try:
            data = conn.recv(1)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            os.kill(os.getpid(), signal.SIGTERM)

    conn.setblocking(False)
    asyncio.get_running_loop().add_reader(conn.fileno(), gone)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
