"""Codex's own locks on the stored sign-in, taken in Codex's order.

Codex 0.169 (seen with strace) writes a refreshed sign-in like this: it sends
the refresh with no lock held, then `flock(auth.lock, LOCK_EX)` (blocking),
then `flock(auth.json.lock, LOCK_EX|LOCK_NB)`, re-reads auth.json and replaces
it through a temp file. We take the same two locks in the same order around
every write, so a write of ours and one of Codex's never interleave, and Codex
never finds `auth.json.lock` taken without first waiting on `auth.lock`.

`RefreshLock` holds `auth.lock` across our own read-refresh-write, so two
codex-lsp processes never spend one refresh token; Codex, which refreshes
without a lock, merely waits for it before its write. Both are `flock`s on
separate files (auth.json itself is replaced by rename); the kernel drops them
when a process dies, so a crash never wedges anyone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from codex_lsp.auth.errors import STORAGE, AuthError

OUTER_LOCK = "auth.lock"
INNER_LOCK = "auth.json.lock"
LOCK_TIMEOUT = 30.0
_POLL = 0.02


def _open_lock(path: Path, mode: int) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _timed_out(path: Path, timeout: float) -> AuthError:
    return AuthError(
        f"Another process has held {path} for {timeout:.0f} s; if no Codex or codex-lsp "
        "process is running, delete that file and try again.",
        STORAGE,
    )


def _release(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def flock_blocking(path: Path, mode: int, timeout: float = LOCK_TIMEOUT) -> int:
    """An exclusive `flock` on `path`, waiting at most `timeout` seconds; the open fd."""
    fd = _open_lock(path, mode)
    deadline = time.monotonic() + timeout
    while not _try_flock(fd):
        if time.monotonic() > deadline:
            os.close(fd)
            raise _timed_out(path, timeout)
        time.sleep(_POLL)
    return fd


@contextlib.contextmanager
def write_locks(home: Path, outer_held: bool = False) -> Iterator[None]:
    """`auth.lock` (unless the caller holds it already), then `auth.json.lock`."""
    outer = None if outer_held else flock_blocking(home / OUTER_LOCK, 0o644)
    try:
        inner = flock_blocking(home / INNER_LOCK, 0o600)
        try:
            yield
        finally:
            _release(inner)
    finally:
        if outer is not None:
            _release(outer)


class RefreshLock:
    """`auth.lock` held across one refresh, taken without blocking the event loop."""

    def __init__(self, home: Path, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = home / OUTER_LOCK
        self.timeout = timeout
        self._fd: int | None = None

    async def __aenter__(self) -> RefreshLock:
        import asyncio  # here: the configuration load imports this module, not asyncio

        fd = _open_lock(self.path, 0o644)
        deadline = time.monotonic() + self.timeout
        while not _try_flock(fd):
            if time.monotonic() > deadline:
                os.close(fd)
                raise _timed_out(self.path, self.timeout)
            await asyncio.sleep(_POLL)
        self._fd = fd
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            _release(fd)
