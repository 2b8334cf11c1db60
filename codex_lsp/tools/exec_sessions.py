"""Long-lived command sessions for `exec_command` / `write_stdin` (Codex's unified exec).

A session is one command started in its own process group, on a PTY
(`tty: true`, stdin stays open) or on pipes (stdin is /dev/null). Its output
is buffered (head and tail, bounded) until a tool call collects it. Sessions
outlive the tool call that started them and the turn, as in Codex, so a model
can start a dev server, poll it and stop it later; they are killed with their
whole process tree when the user cancels the turn, when the editor switches to
another thread, when the store is full (oldest first) and at shutdown.

What kills the tree: bubblewrap's PID namespace for a sandboxed command, the
`reaper` launcher (SIGTERM first) for an unsandboxed one; then SIGKILL to the
process group either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from codex_lsp.sandbox.output import OutputCollector
from codex_lsp.sandbox.process import kill_process_group, spawn_merged_output

MAX_SESSIONS = 64
"""At most this many sessions stay open (Codex's limit); the oldest is killed first."""
BUFFER_BYTES = 512 * 1024
"""Kept from the start and from the end of output not yet collected (1 MiB in all)."""
STOP_GRACE_SEC = 2.0
"""How long a reaper leader gets after SIGTERM before the group is SIGKILLed."""
SESSION_ID_RANGE = (1000, 99_999)
"""Session ids look like Codex's (random numbers of 4-5 digits)."""


@dataclass
class ExecSession:
    """One running command: its process, its pending output, and who owns it."""

    id: int
    thread_id: str
    display: str
    proc: asyncio.subprocess.Process
    tty: bool
    graceful_stop: bool
    writer_fd: int | None
    started: float = field(default_factory=time.monotonic)
    pending: OutputCollector = field(default_factory=lambda: OutputCollector(BUFFER_BYTES))
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    eof: asyncio.Event = field(default_factory=asyncio.Event)
    transport: asyncio.ReadTransport | None = None
    on_output: Callable[[bytes], None] | None = None
    """Who sees each chunk as it arrives (the live tail, while a call waits on it)."""

    def feed(self, data: bytes) -> None:
        self.pending.feed(data)
        self.changed.set()
        if self.on_output is not None:
            self.on_output(data)

    def take(self) -> tuple[bytes, int]:
        """The output gathered since the last call (head, marker, tail) and its true size."""
        collected, self.pending = self.pending, OutputCollector(BUFFER_BYTES)
        self.changed.clear()
        if collected.total <= 2 * BUFFER_BYTES:
            return bytes(collected.head + collected.tail), collected.total
        dropped = collected.total - len(collected.head) - len(collected.tail)
        marker = f"\n[... {dropped} bytes dropped ...]\n".encode()
        return bytes(collected.head) + marker + bytes(collected.tail), collected.total

    @property
    def finished(self) -> bool:
        """The process exited and all its output has been read."""
        return self.proc.returncode is not None and self.eof.is_set()

    def exit_code(self) -> int | None:
        code = self.proc.returncode
        if code is None:
            return None
        return 128 - code if code < 0 else code


class _Pump(asyncio.Protocol):
    def __init__(self, session: ExecSession) -> None:
        self._session = session

    def data_received(self, data: bytes) -> None:
        self._session.feed(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._session.eof.set()
        self._session.changed.set()


class ExecSessions:
    """Every open session of one agent, by id; what to kill when."""

    def __init__(self) -> None:
        self._sessions: dict[int, ExecSession] = {}

    def get(self, session_id: int) -> ExecSession | None:
        return self._sessions.get(session_id)

    def has_thread(self, thread_id: str) -> bool:
        """Whether `thread_id` has open sessions."""
        return any(s.thread_id == thread_id for s in self._sessions.values())

    def listing(self) -> list[dict[str, object]]:
        """Open sessions for `codex.status`: id, thread, command, seconds running."""
        now = time.monotonic()
        return [
            {
                "id": s.id,
                "threadId": s.thread_id,
                "command": s.display,
                "running": s.proc.returncode is None,
                "seconds": round(now - s.started, 1),
            }
            for s in self._sessions.values()
        ]

    async def start(
        self,
        argv: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        *,
        thread_id: str,
        display: str,
        tty: bool,
        graceful_stop: bool,
    ) -> ExecSession:
        """Start `argv` as a new session; `OSError` if it cannot start."""
        await self._make_room()
        session_id = self._new_id()
        if tty:
            proc, reader, writer_fd = await _spawn_tty(argv, cwd, env)
        else:
            proc, reader = await spawn_merged_output(argv, cwd, env)
            writer_fd = None
        session = ExecSession(session_id, thread_id, display, proc, tty, graceful_stop, writer_fd)
        loop = asyncio.get_running_loop()
        try:
            session.transport, _ = await loop.connect_read_pipe(lambda: _Pump(session), reader)
        except BaseException:
            reader.close()
            await self._stop(session)
            raise
        self._sessions[session_id] = session
        return session

    async def collect(
        self,
        session: ExecSession,
        wait_ms: int,
        on_output: Callable[[bytes], None] | None = None,
    ) -> tuple[bytes, int]:
        """Wait up to `wait_ms` (less if the process ends), then take its new output.

        `on_output` sees the output as it arrives meanwhile.
        """
        session.on_output = on_output
        try:
            await self._wait(session, wait_ms)
        finally:
            session.on_output = None
        if session.proc.returncode is not None:
            await self.close(session.id)
        return session.take()

    async def _wait(self, session: ExecSession, wait_ms: int) -> None:
        deadline = time.monotonic() + wait_ms / 1000
        while not session.finished:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            waiter = asyncio.ensure_future(session.proc.wait())
            changed = asyncio.ensure_future(session.changed.wait())
            try:
                await asyncio.wait({waiter, changed}, timeout=left)
            finally:
                waiter.cancel()
                changed.cancel()
            if session.proc.returncode is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(session.eof.wait(), 1.0)
                break
            session.changed.clear()

    async def write(self, session: ExecSession, data: bytes) -> None:
        """Send bytes to the session's terminal; `BrokenPipeError` if it is gone."""
        if session.writer_fd is None:
            raise BrokenPipeError("stdin is closed")
        fd = session.writer_fd
        view = memoryview(data)
        while view:
            written = await asyncio.to_thread(os.write, fd, view)
            view = view[written:]

    async def close(self, session_id: int) -> None:
        """Kill one session's process tree and forget it."""
        session = self._sessions.pop(session_id, None)
        if session is not None:
            await self._stop(session)

    async def close_thread(self, thread_id: str) -> None:
        """Kill every session a thread started (cancel, thread switch)."""
        for sid in [s.id for s in self._sessions.values() if s.thread_id == thread_id]:
            await self.close(sid)

    async def close_all(self) -> None:
        """Kill every session (shutdown)."""
        for sid in list(self._sessions):
            await self.close(sid)

    async def _make_room(self) -> None:
        while len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions.values(), key=lambda s: s.started)
            await self.close(oldest.id)

    def _new_id(self) -> int:
        while True:
            candidate = random.randint(*SESSION_ID_RANGE)
            if candidate not in self._sessions:
                return candidate

    async def _stop(self, session: ExecSession) -> None:
        proc = session.proc
        if session.graceful_stop and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), STOP_GRACE_SEC)
        kill_process_group(proc.pid)
        if proc.returncode is None:  # not yet its own group (setsid had not run)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), STOP_GRACE_SEC)
        if session.transport is not None:
            session.transport.close()
        if session.writer_fd is not None:
            with contextlib.suppress(OSError):
                os.close(session.writer_fd)
            session.writer_fd = None


async def _spawn_tty(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str]
) -> tuple[asyncio.subprocess.Process, BinaryIO, int]:
    """Start on a new PTY that becomes the session's controlling terminal.

    `setsid --ctty` (util-linux) makes the command a session leader owning the
    terminal, so a written Ctrl-C reaches it as SIGINT; it execs in place, so
    the pid is still the process group to kill.
    """
    master, slave = os.openpty()
    setsid = shutil.which("setsid")
    full = [setsid, "--ctty", *argv] if setsid else list(argv)
    try:
        proc = await asyncio.create_subprocess_exec(
            *full,
            cwd=cwd,
            env={**env, "TERM": env.get("TERM") or "xterm-256color"},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=setsid is None,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    writer = os.dup(master)
    return proc, os.fdopen(master, "rb", buffering=0), writer
