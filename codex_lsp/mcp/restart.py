"""When a crashed MCP server may be started again: exponential backoff, counted.

A server that dies is restarted by the next tool call that wants it, but not
in a tight loop: after the n-th failure in a row the next attempt waits
``base * 2**(n-1)`` seconds (1 s, 2 s, 4 s, … up to ``cap``). A server that
then ran for ``healthy_after`` seconds has its count reset, so one crash a day
costs a one-second wait, not the cap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """The restart schedule of one server (times from `clock`, in seconds)."""

    base: float = 1.0
    cap: float = 30.0
    healthy_after: float = 60.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    failures: int = 0
    """Failures in a row (crashes and failed restarts) since the server was last healthy."""
    restarts: int = 0
    """Restart attempts made so far."""
    retry_at: float | None = None
    """When the next restart may be tried (None: no failure recorded)."""
    _running_since: float | None = None

    def running(self) -> None:
        """The server is up (again)."""
        self._running_since = self.clock()

    def failed(self) -> None:
        """The server died or a restart failed: schedule the next attempt."""
        now = self.clock()
        if self._running_since is not None and now - self._running_since >= self.healthy_after:
            self.failures = 0
        self._running_since = None
        self.failures += 1
        self.retry_at = now + self.delay()

    def delay(self) -> float:
        """The wait after the current run of failures."""
        if self.failures <= 0:
            return 0.0
        return min(self.cap, self.base * 2.0 ** min(self.failures - 1, 30))

    def remaining(self) -> float:
        """Seconds until a restart may be tried (0 when one may be tried now)."""
        if self.retry_at is None:
            return 0.0
        return max(0.0, self.retry_at - self.clock())

    def attempt(self) -> int:
        """Count a restart attempt; returns its number (1 for the first)."""
        self.restarts += 1
        return self.restarts
