"""Linux enforcement of a `SandboxPolicy` with bubblewrap (`bwrap`).

The whole file system is mounted read-only, writable roots are bound back
read-write, `.git` entries under them are bound read-only again, and the
command gets fresh /dev, /proc, PID (and, unless allowed, network)
namespaces, and (where the kernel counts it per namespace) a process limit
that stalls a fork bomb until the timeout. All capabilities are dropped:
when the server runs as root, bwrap would otherwise keep CAP_SYS_ADMIN and
the command could simply `mount -o remount,rw /`.

Whether bwrap works is probed once per executable (it can be installed yet
unusable, e.g. where user namespaces are disabled), with the same flags real
commands use, and the answer is kept for the life of the process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_lsp.sandbox.policy import SandboxPolicy

KIND = "bubblewrap"
PROBE_TIMEOUT_SEC = 10.0
"""Upper bound for the availability probe (it normally takes a few milliseconds)."""

MAX_PROCESSES = 1024
"""RLIMIT_NPROC inside the sandbox, so a fork bomb stalls until the timeout kills it.

Set with `prlimit` after bubblewrap made the user namespace: from Linux 5.14 the
count is per user namespace, so only the command's own processes count. Root
is exempt (the kernel never applies RLIMIT_NPROC to uid 0), and older kernels
count every process of the user, so no limit is set there.
"""
PER_NAMESPACE_NPROC_KERNEL = (5, 14)

_NAMESPACE_FLAGS: tuple[str, ...] = (
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
)


@dataclass(frozen=True)
class SandboxStatus:
    """Whether commands can be sandboxed here, and why (for status UIs and `check`)."""

    available: bool
    kind: str
    detail: str
    """The short cause ("bwrap not found on PATH ..."), for approval questions."""

    @property
    def reason(self) -> str:
        """The cause, plus what it means for commands when there is no sandbox."""
        return self.detail if self.available else self.detail + _CONSEQUENCE

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form: `{"available": ..., "kind": ..., "reason": ...}`."""
        return {"available": self.available, "kind": self.kind, "reason": self.reason}


class Bubblewrap:
    """One bwrap executable: its probed status and how to wrap a command with it."""

    def __init__(
        self, executable: str | None = None, max_processes: int | None = MAX_PROCESSES
    ) -> None:
        self.executable = executable if executable is not None else shutil.which("bwrap")
        self.max_processes = max_processes
        self._status: SandboxStatus | None = None
        self._lock = threading.Lock()

    def status(self) -> SandboxStatus:
        """Probe on first use (blocking, a few ms), then answer from the cache."""
        with self._lock:
            if self._status is None:
                self._status = self._probe(PROBE_TIMEOUT_SEC)
            return self._status

    def status_within(self, seconds: float) -> SandboxStatus | None:
        """The status if it is had within `seconds` (cached, or a quick probe); else None.

        For `codex.status` before the server has loaded: a slow probe is left to the
        server, which waits for it off its event loop.
        """
        with self._lock:
            if self._status is None:
                try:
                    self._status = self._probe(seconds, give_up=True)
                except subprocess.TimeoutExpired:
                    return None
            return self._status

    def wrap(self, argv: Sequence[str], cwd: Path, policy: SandboxPolicy) -> list[str]:
        """The bwrap command line that runs `argv` in `cwd` under `policy`."""
        if self.executable is None:
            raise RuntimeError("bwrap is not installed")
        args = [self.executable, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for root in policy.writable_roots:
            args += ["--bind", str(root), str(root)]
        for protected in policy.read_only_subpaths():
            args += ["--ro-bind", str(protected), str(protected)]
        if not policy.network_access:
            args.append("--unshare-net")
        args += [*_NAMESPACE_FLAGS, "--chdir", str(cwd), "--", *self._limits(), *argv]
        return args

    def _limits(self) -> list[str]:
        """`prlimit --nproc=N --` where the limit counts only the sandbox's processes."""
        prlimit = shutil.which("prlimit")
        if self.max_processes is None or prlimit is None or not per_namespace_nproc():
            return []
        return [prlimit, f"--nproc={self.max_processes}", "--"]

    def _probe(self, timeout: float, give_up: bool = False) -> SandboxStatus:
        """Run `true` in the sandbox; `give_up`: let a timeout out instead of reporting it."""
        if not sys.platform.startswith("linux"):
            return SandboxStatus(
                False, KIND, f"bubblewrap is Linux-only and this is {sys.platform}"
            )
        if self.executable is None:
            return SandboxStatus(
                False, KIND, "bwrap not found on PATH (install the 'bubblewrap' package)"
            )
        if not os.access(self.executable, os.X_OK):
            return SandboxStatus(False, KIND, f"bwrap not found at {self.executable}")
        probe = self.wrap(["true"], Path("/"), SandboxPolicy("read-only"))
        try:
            done = subprocess.run(
                probe,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            if give_up:
                raise
            return SandboxStatus(False, KIND, f"{self.executable} could not run: {exc}")
        except OSError as exc:
            return SandboxStatus(False, KIND, f"{self.executable} could not run: {exc}")
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
            return SandboxStatus(False, KIND, f"{self.executable} does not work here: {detail}")
        return SandboxStatus(True, KIND, f"{self.executable} works (read-only root, no network)")


def per_namespace_nproc(release: str | None = None) -> bool:
    """True on kernels that count RLIMIT_NPROC per user namespace (Linux >= 5.14)."""
    text = release if release is not None else os.uname().release
    parts = text.split(".")
    try:
        version = (int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0))
    except (IndexError, ValueError):
        return False
    return version >= PER_NAMESPACE_NPROC_KERNEL


_CONSEQUENCE = (
    "; without a sandbox every command needs the user's approval "
    '(unless sandbox_mode = "danger-full-access")'
)

_default: Bubblewrap | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Bubblewrap:
    """The process-wide bwrap (found on PATH once), shared so it is probed only once."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Bubblewrap()
        return _default


def sandbox_status() -> dict[str, Any]:
    """`{"available", "kind", "reason"}` for `codex.status` and `codex-lsp check`."""
    return default_sandbox().status().as_dict()
