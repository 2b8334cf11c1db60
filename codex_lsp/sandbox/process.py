"""Run one command to completion with a deadline, and leave nothing behind.

The command gets its own session (so its process group can be signalled as a
whole), stdin from /dev/null (nothing can wait for input) and a single pipe
for stdout and stderr (so the model sees them interleaved in the order they
happened). When the command ends, times out, or the awaiting task is
cancelled (the user cancelled the turn), the whole group gets SIGKILL: a
`sleep 30 &` left behind would otherwise outlive the turn and hold the pipe.
A process that leaves the group (`setsid`) is caught by what runs the
command: bubblewrap's PID namespace when sandboxed, else `reaper`, which
gets SIGTERM first (`graceful_stop`) and kills the whole tree.

The pipe is ours rather than asyncio's: asyncio's `Process.wait()` does not
return until every holder of its pipes has exited, which is exactly the
case of a background child we want to kill *after* the main process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from codex_lsp.sandbox.output import TIMEOUT_EXIT_CODE, ExecResult, OutputCollector

DRAIN_TIMEOUT_SEC = 2.0
"""After the group is killed, how long to wait for the last output to arrive.

Only a process that left the group (its own `setsid`) can hold the pipe
longer; its output is then cut off rather than letting it stall the turn.
"""
REAP_TIMEOUT_SEC = 5.0
"""How long to wait for a SIGKILLed process to be reaped before giving up on it."""


class _Pump(asyncio.Protocol):
    """Feeds pipe data into a collector and reports end of stream."""

    def __init__(
        self,
        collector: OutputCollector,
        done: asyncio.Future[None],
        on_output: Callable[[bytes], None] | None,
    ) -> None:
        self._collector = collector
        self._done = done
        self._on_output = on_output

    def data_received(self, data: bytes) -> None:
        self._collector.feed(data)
        if self._on_output is not None:
            self._on_output(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._done.set_result(None)


def kill_process_group(pgid: int) -> None:
    """SIGKILL every process in the group; a group that is already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


async def _stop(proc: asyncio.subprocess.Process, graceful: bool) -> None:
    """Kill the command: SIGTERM to a leader that cleans up its tree first, then the group."""
    if graceful and proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), REAP_TIMEOUT_SEC)
    kill_process_group(proc.pid)


async def run_process(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout_ms: int,
    *,
    graceful_stop: bool = False,
    on_output: Callable[[bytes], None] | None = None,
) -> ExecResult:
    """Run `argv` and return its capped output; raises `OSError` if it cannot start.

    Cancelling the awaiting task kills the process group, reaps the process
    and re-raises `CancelledError`. `graceful_stop` is for a leader that kills
    its own tree on SIGTERM (`reaper`): it gets SIGTERM before the group SIGKILL.
    `on_output` sees each chunk as it arrives (the live tail shown to the user).
    """
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    proc, reader = await spawn_merged_output(argv, cwd, env)
    collector = OutputCollector()
    eof: asyncio.Future[None] = loop.create_future()
    transport: asyncio.ReadTransport | None = None
    timed_out = False
    try:
        pump = _Pump(collector, eof, on_output)
        transport, _ = await loop.connect_read_pipe(lambda: pump, reader)
        try:
            await asyncio.wait_for(proc.wait(), timeout_ms / 1000)
        except TimeoutError:
            timed_out = True
        await _stop(proc, graceful_stop)
        await proc.wait()
        duration = time.monotonic() - started
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(eof), DRAIN_TIMEOUT_SEC)
    except BaseException:
        with contextlib.suppress(BaseException):
            await _stop(proc, graceful_stop)
        kill_process_group(proc.pid)
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(proc.wait(), REAP_TIMEOUT_SEC)
        raise
    finally:
        if transport is not None:
            transport.close()
        else:
            reader.close()
    shown_timeout = timeout_ms if timed_out else None
    code = _exit_code(proc.returncode, timed_out)
    return ExecResult(code, collector.render(), duration, timed_out, shown_timeout)


async def spawn_merged_output(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str]
) -> tuple[asyncio.subprocess.Process, BinaryIO]:
    """Start `argv` in its own session, stdin /dev/null, stdout and stderr into one pipe we read."""
    read_fd, write_fd = os.pipe()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=write_fd,
            stderr=write_fd,
            start_new_session=True,
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    return proc, os.fdopen(read_fd, "rb", buffering=0)


def _exit_code(returncode: int | None, timed_out: bool) -> int:
    """The shell's convention: 124 on timeout, 128 + N when killed by signal N."""
    code = returncode if returncode is not None else -signal.SIGKILL
    if timed_out:
        return TIMEOUT_EXIT_CODE
    return 128 - code if code < 0 else code
