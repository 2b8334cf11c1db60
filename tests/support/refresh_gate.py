"""Make two refreshes with one token race for real: hold them until both have arrived.

The race of issue 18 (two programs refreshing with the same refresh token, one
winning, the other answered `refresh_token_reused`) needs both requests at the
authority before either is answered. `RefreshGate.arm(n, first)` holds the next
`n` refresh requests until all `n` have arrived (bounded wait), then lets them
through one at a time: those whose User-Agent `first` accepts go first, the
others in arrival order. Nothing here decides the answers: the authority does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

HOLD_LIMIT = 30.0
"""Longest hold: a side that never sends its refresh does not hang the test."""


@dataclass
class RefreshGate:
    size: int = 0
    first: Callable[[str], bool] | None = None
    arrived: list[tuple[int, str]] = field(default_factory=list)
    released: int = 0
    winners: list[str] = field(default_factory=list)
    """The User-Agent of the first refresh let through in each batch (who won)."""
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def arm(self, size: int, first: Callable[[str], bool] | None = None) -> None:
        with self._cond:
            self.size, self.first, self.arrived, self.released = size, first, [], 0

    def _order(self) -> list[int]:
        pick = self.first or (lambda _agent: False)
        ranked = sorted(self.arrived, key=lambda item: not pick(item[1]))  # stable
        return [ticket for ticket, _agent in ranked]

    def hold(self, ticket: int, user_agent: str) -> bool:
        """Wait for this refresh's turn; False when no batch is armed (not held)."""
        with self._cond:
            if self.size <= 0 or len(self.arrived) >= self.size:
                return False
            self.arrived.append((ticket, user_agent))
            self._cond.notify_all()
            self._cond.wait_for(lambda: len(self.arrived) >= self.size, HOLD_LIMIT)
            order = self._order()
            self._cond.wait_for(lambda: order[self.released] == ticket, HOLD_LIMIT)
            if self.released == 0:
                self.winners.append(user_agent)
            return True

    def done(self) -> None:
        """The held refresh was answered: let the next one through."""
        with self._cond:
            self.released += 1
            if self.released >= len(self.arrived):
                self.size = 0
            self._cond.notify_all()
