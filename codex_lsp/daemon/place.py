"""Where the zygote listens, and the fingerprint that names it (cheap: runs in every stub)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import stat
import sys
from pathlib import Path

from codex_lsp import __version__

SOCKET_LIMIT = 104
"""Longest Unix socket path used (the kernel allows 108 bytes with the final NUL)."""
WATCHED_PACKAGES = ("codex_lsp", "pygls", "lsprotocol", "cattrs", "httpx")
"""Packages whose files, when they change, make a new fingerprint (a new zygote)."""


class DaemonUnavailable(Exception):
    """The daemon cannot be used here (the reason is shown, the server runs in-process)."""


def runtime_dir(env: dict[str, str] | None = None) -> Path:
    """The private folder for sockets: created 0700, refused if anyone else can enter it."""
    env = dict(os.environ) if env is None else env
    base = env.get("XDG_RUNTIME_DIR", "").strip()
    if base and os.path.isdir(base):
        folder = Path(base) / "codex-lsp"
    else:
        home = env.get("CODEX_HOME", "").strip()
        folder = (Path(home).expanduser() if home else Path.home() / ".codex") / "run"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError as exc:
        raise DaemonUnavailable(f"cannot make {folder}: {exc}") from exc
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise DaemonUnavailable(f"{folder} is not a folder owned by this user")
    if info.st_mode & 0o077:
        raise DaemonUnavailable(f"{folder} is open to other users (mode {info.st_mode & 0o777:o})")
    return folder


def fingerprint() -> str:
    """Version, interpreter and the newest change to the code a zygote would have loaded."""
    parts = [__version__, sys.executable, sys.version]
    for name in WATCHED_PACKAGES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin is None:
            parts.append(f"{name}:-")
            continue
        root = os.path.dirname(origin)
        parts.append(f"{root}:{_newest_mtime(root)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _newest_mtime(root: str) -> int:
    newest = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                try:
                    newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime_ns)
                except OSError:
                    pass
    return newest


def socket_path(env: dict[str, str] | None = None, print_: str | None = None) -> Path:
    """The zygote's socket for this code (`print_`: a precomputed fingerprint)."""
    path = runtime_dir(env) / f"zygote-{print_ or fingerprint()}.sock"
    if len(os.fsencode(path)) > SOCKET_LIMIT:
        raise DaemonUnavailable(f"socket path too long for Unix sockets: {path}")
    return path
