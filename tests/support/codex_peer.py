"""Run the real Codex CLI next to codex-lsp, offline, against scripted servers.

The one harness of the peer tests (tests/peer): sign-in, keyring and wire parity.
The real binary may only ever reach loopback, so everything happens in a fresh
network namespace (`ip netns`, only `lo` up): the scripted servers' listening
sockets are created by a thread that joined the namespace (`setns`, which
moves only the calling thread), so they serve from inside it while the test
process stays outside and reads what they recorded; `codex exec` and
`codex-lsp exec` are started with `ip netns exec`. `PeerRun` is a finished
process, `Netns.start_in` builds any server inside the namespace,
`write_codex_home` writes the CODEX_HOME both sides read.

Skips: `codex_binary()` is None when the npm package is not installed
(`.ci/setup-codex.sh` installs it); `netns_problem()` says why no namespace
can be made (not root, no `ip`).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[2]
CODEX_VERSION = "0.169.0"
_TRIPLES = {
    "x86_64": ("codex-linux-x64", "x86_64-unknown-linux-musl"),
    "aarch64": ("codex-linux-arm64", "aarch64-unknown-linux-musl"),
}
_CLONE_NEWNET = 0x40000000
_names = itertools.count(1)
T = TypeVar("T")


def codex_binary() -> Path | None:
    """The native `codex` of `@openai/codex@0.169.0` in bench/.cache/codex, if installed."""
    override = os.environ.get("CODEX_PEER_BINARY")
    if override:
        return Path(override) if Path(override).is_file() else None
    entry = _TRIPLES.get(os.uname().machine)
    if entry is None:
        return None
    package, triple = entry
    path = (
        REPO / "bench" / ".cache" / "codex" / "node_modules" / "@openai" / package
        / "vendor" / triple / "bin" / "codex"
    )
    return path if path.is_file() else None


def netns_problem() -> str | None:
    """Why a network namespace cannot be made here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    if shutil.which("ip") is None:
        return "the `ip` program (iproute2) is not installed"
    return None


class Netns:
    """A named network namespace with only loopback, deleted on exit."""

    def __init__(self) -> None:
        self.name = f"codexpeer-{os.getpid()}-{next(_names)}"

    def __enter__(self) -> Netns:
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True)
        try:
            subprocess.run(self.command(["ip", "link", "set", "lo", "up"]), check=True)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["ip", "netns", "delete", self.name], capture_output=True)

    def command(self, argv: Sequence[str]) -> list[str]:
        """`argv` run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def start_in(self, build: Callable[[], T]) -> T:
        """Call `build` on a thread inside the namespace (sockets it binds live there)."""
        result: list[T] = []
        errors: list[BaseException] = []

        def target() -> None:
            try:
                _join_netns(self.name)
                result.append(build())
            except BaseException as exc:  # handed to the caller below
                errors.append(exc)

        thread = threading.Thread(target=target, name=f"netns-{self.name}")
        thread.start()
        thread.join()
        if errors:
            raise errors[0]
        return result[0]

    def run(
        self, side: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path,
        timeout: float = 120,
    ) -> PeerRun:
        """Run `argv` inside the namespace to its end."""
        return PeerProcess(self, side, argv, env, cwd).wait(timeout)


def _join_netns(name: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/var/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


@dataclass
class PeerRun:
    """One finished process: which side, its exit code and output."""

    side: str
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"{self.side} exited {self.returncode}\n--- stdout\n{self.stdout[-3000:]}"
            f"\n--- stderr\n{self.stderr[-3000:]}"
        )


def base_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A small environment: PATH, HOME, CODEX_HOME, PYTHONPATH for our side, and `extra`.

    Nothing else from the machine (no proxies, no keys, no XDG state)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home.parent),
        "CODEX_HOME": str(home),
        "PYTHONPATH": str(REPO),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "TERM": "dumb",
    }
    env.update(extra or {})
    return env


def write_codex_home(
    home: Path,
    settings: Mapping[str, str],
    auth: Mapping[str, Any] | None = None,
    tables: str = "",
) -> None:
    """The CODEX_HOME both sides read: config.toml (`settings` as top-level strings, no
    update check, no analytics, then `tables` as written) and, when given, auth.json as
    Codex writes it (mode 600)."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    lines += ["check_for_update_on_startup = false", "", "[analytics]", "enabled = false", ""]
    lines += [tables, ""] if tables else []
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("\n".join(lines))
    if auth is not None:
        write_auth(home, auth)


def write_auth(home: Path, record: Mapping[str, Any]) -> None:
    """auth.json as Codex writes it: indented JSON, readable by its owner only."""
    path = home / "auth.json"
    path.write_text(json.dumps(record, indent=2))
    path.chmod(0o600)


def add_setting(home: Path, line: str) -> None:
    """Add a top-level `key = value` line to config.toml (before its first table)."""
    config = home / "config.toml"
    config.write_text(f"{line}\n{config.read_text()}")


def codex_exec_argv(
    binary: Path, prompt: str, overrides: Sequence[str] = (), cwd: Path | None = None
) -> list[str]:
    """`codex exec` quiet and non-interactive; `overrides` are `-c key=value` strings."""
    argv = [str(binary), "exec", "--skip-git-repo-check"]
    for item in overrides:
        argv += ["-c", item]
    if cwd is not None:
        argv += ["-C", str(cwd)]
    return [*argv, prompt]


def lsp_argv(*args: str) -> list[str]:
    """`codex-lsp ARGS` with this checkout's package (e.g. `exec PROMPT`)."""
    return [sys.executable, "-m", "codex_lsp", *args]


class PeerProcess:
    """A started process inside the namespace; `wait()` gives its `PeerRun`."""

    def __init__(
        self, ns: Netns, side: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path
    ) -> None:
        self.side = side
        self.proc = subprocess.Popen(
            ns.command(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait(self, timeout: float = 120) -> PeerRun:
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            err += f"\n[killed after {timeout:.0f} s]"
        return PeerRun(self.side, self.proc.returncode, out, err)


@contextlib.contextmanager
def started(procs: Sequence[PeerProcess]) -> Iterator[Sequence[PeerProcess]]:
    """Kill whatever is still running when the block ends (a failing assertion included)."""
    try:
        yield procs
    finally:
        for p in procs:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()
