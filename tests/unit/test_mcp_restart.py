"""The restart schedule of a crashed MCP server (`codex_lsp.mcp.restart.Backoff`).

Pure arithmetic over a clock the test moves; the restarts themselves are tested
against a real server in test_mcp_manager.py.
"""

from __future__ import annotations

from codex_lsp.mcp.restart import Backoff


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delays_double_up_to_the_cap() -> None:
    clock = Clock()
    backoff = Backoff(base=1.0, cap=30.0, clock=clock)
    assert backoff.remaining() == 0.0  # nothing failed yet
    delays = []
    for _ in range(8):
        backoff.failed()
        delays.append(backoff.remaining())
        clock.now += backoff.remaining()
        backoff.attempt()
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert backoff.restarts == 8


def test_remaining_counts_down() -> None:
    clock = Clock()
    backoff = Backoff(clock=clock)
    backoff.failed()
    clock.now += 0.25
    assert backoff.remaining() == 0.75
    clock.now += 5
    assert backoff.remaining() == 0.0


def test_a_healthy_run_resets_the_delay() -> None:
    clock = Clock()
    backoff = Backoff(base=1.0, healthy_after=60.0, clock=clock)
    for _ in range(3):
        backoff.failed()
    assert backoff.delay() == 4.0
    backoff.running()
    clock.now += 5  # crashed again soon: keeps doubling
    backoff.failed()
    assert backoff.delay() == 8.0
    backoff.running()
    clock.now += 61  # ran for a minute: back to the first delay
    backoff.failed()
    assert backoff.delay() == 1.0 and backoff.remaining() == 1.0


def test_huge_failure_counts_do_not_overflow() -> None:
    backoff = Backoff(cap=30.0, clock=Clock())
    backoff.failures = 10_000
    assert backoff.delay() == 30.0
