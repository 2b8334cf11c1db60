"""What no prompt decided, waiting for a code action or a command: one registry for each kind.

A proposed change (`pending_changes`) and a command or MCP call
(`waiting_commands`) wait the same way: each gets an id and a place in one
shared order (`codex.approve` without arguments answers the newest item of
either kind), the turn waits on a future until the user decides, the approval
timeout ends the wait with the kind's own answer, and every way to cancel the
turn ends it too. Once decided, cancelled or timed out, the item is gone.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

D = TypeVar("D")
"""The decision an item waits for."""


@dataclass
class Waiting(Generic[D]):
    """One item waiting for the user's decision."""

    id: str
    order: int
    """Shared by both kinds: the newest item of either kind has the highest."""
    decided: asyncio.Future[D] = field(repr=False)


W = TypeVar("W", bound=Waiting[Any])


class WaitingRegistry(Generic[W, D]):
    """The connection's items of one kind waiting for a decision, newest last."""

    def __init__(
        self, prefix: str, noun: str, missing: type[Exception], order: Callable[[], int]
    ) -> None:
        self._prefix = prefix
        """Item ids are `<prefix>-1`, `<prefix>-2`, ..."""
        self._noun = noun
        """What an item is, in the error when none waits ("proposed change")."""
        self._missing = missing
        self._order = order
        self._ids = itertools.count(1)
        self._items: dict[str, W] = {}

    def open(self, make: Callable[[str, int, asyncio.Future[D]], W]) -> W:
        """A new item, waiting from now on: `make(id, order, future)` builds it."""
        item_id = f"{self._prefix}-{next(self._ids)}"
        item = make(item_id, self._order(), asyncio.get_running_loop().create_future())
        self._items[item.id] = item
        return item

    async def until_decided(self, item: W, timeout: float, on_timeout: Callable[[], D]) -> D:
        """The user's decision on `item`, or `on_timeout()` after `timeout` seconds."""
        decided: asyncio.Future[D] = item.decided
        try:
            return await asyncio.wait_for(asyncio.shield(decided), timeout)
        except TimeoutError:
            return on_timeout()
        finally:
            self._items.pop(item.id, None)

    def decide(self, item_id: str | None, decision: D) -> W:
        """Answer a waiting item (None: the newest); its turn goes on with `decision`."""
        item = self.get(item_id)
        self._items.pop(item.id, None)
        item.decided.set_result(decision)
        return item

    def get(self, item_id: str | None) -> W:
        """That item, or the newest one when `item_id` is None."""
        if item_id is None:
            latest = self.latest()
            if latest is None:
                raise self._missing(f"No {self._noun} is waiting for a decision.")
            return latest
        item = self._items.get(item_id)
        if item is None:
            raise self._missing(
                f"{self._prefix.capitalize()} {item_id!r} is not waiting for a decision "
                "(already decided, cancelled or timed out)."
            )
        return item

    def latest(self) -> W | None:
        """The newest item of this kind."""
        return list(self._items.values())[-1] if self._items else None

    def oldest_first(self) -> list[W]:
        return list(self._items.values())

    def newest_first(self) -> list[W]:
        return list(reversed(self._items.values()))
