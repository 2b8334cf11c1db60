"""tests/unit runs in process: a test here that starts a process fails, pointing at tests/integration.

Python's audit events see every way a process starts (`subprocess`, asyncio's subprocesses,
`os.fork`, `os.posix_spawn`, `os.exec*`); the hook refuses them only while a test of this
folder is being set up or run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

_SPAWNS = frozenset(
    {"subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn", "os.exec", "os.system"}
)
_running: list[str] = []


def _refuse_processes(event: str, args: tuple[object, ...]) -> None:
    if _running and event in _SPAWNS:
        raise RuntimeError(
            f"{_running[-1]} starts a process ({event}): tests/unit runs in process only; "
            "move the test to tests/integration"
        )


sys.addaudithook(_refuse_processes)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    _running.append(item.nodeid)
    try:
        yield
    finally:
        _running.pop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    _running.append(item.nodeid)
    try:
        yield
    finally:
        _running.pop()
