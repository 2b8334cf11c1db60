"""A private, real Secret Service (Debian's gnome-keyring) on its own D-Bus session bus.

`dbus-daemon` listens on a socket *file* (abstract sockets belong to one network
namespace, a path works from inside `ip netns exec` too), and
`gnome-keyring-daemon --unlock --components=secrets` serves the bus with a
`login` collection unlocked by a throw-away password, all under a temporary
HOME. `env()` is what a process needs to use it (python-keyring's SecretService
backend, Codex's keyring crate). Both daemons are ended by pid on exit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROGRAMS = ("dbus-daemon", "gnome-keyring-daemon", "secret-tool")
READY_LIMIT = 20.0
_PROBE = (
    "import keyring, sys\n"
    "keyring.get_password('codex-lsp-probe', 'probe')\n"
    "print(type(keyring.get_keyring()).__module__)\n"
)


def missing_programs() -> list[str]:
    """The Debian programs this needs that are not installed (dbus, gnome-keyring, libsecret-tools)."""
    return [name for name in PROGRAMS if shutil.which(name) is None]


class SecretService:
    """See the module docstring."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "keyring-home"
        self.bus = root / "bus"
        self._procs: list[subprocess.Popen[bytes]] = []

    def env(self) -> dict[str, str]:
        return {
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={self.bus}",
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_RUNTIME_DIR": str(self.root / "run"),
        }

    def __enter__(self) -> SecretService:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.root / "run").mkdir(mode=0o700, exist_ok=True)
        env = {**os.environ, **self.env(), "HOME": str(self.home)}
        self._procs.append(subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile",
             f"--address=unix:path={self.bus}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        self._wait(lambda: self.bus.exists(), "the D-Bus socket")
        keyring = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self._procs.append(keyring)
        assert keyring.stdin is not None
        keyring.stdin.write(b"peer-test-password")
        keyring.stdin.close()
        self._wait(self._serves, "gnome-keyring's Secret Service")
        return self

    def _serves(self) -> bool:
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE], env={**os.environ, **self.env()},
            capture_output=True, text=True, timeout=30,
        )
        return probe.returncode == 0 and "SecretService" in probe.stdout

    def _wait(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + READY_LIMIT
        while not ready():
            if time.monotonic() > deadline or any(p.poll() is not None for p in self._procs):
                self.__exit__()
                raise RuntimeError(f"{what} did not come up within {READY_LIMIT:.0f} s")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._procs.clear()
