"""The model client's lifetime: warmed up early, shared by turns, replaced on reconfigure.

Apart from the engine because it is its own bookkeeping: a replaced client stays
open until the last turn using it ends (closing it under them broke their
retries), and a warm-up under way is awaited rather than duplicated.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from codex_lsp.background import BackgroundTasks
from codex_lsp.config import LoadedConfig
from codex_lsp.models.base import ModelClient

log = logging.getLogger(__name__)

ClientFactory = Callable[[LoadedConfig], ModelClient]


class ModelClients:
    """The shared model client for one configuration, and the replaced ones still in use."""

    def __init__(
        self, factory: ClientFactory, loaded: LoadedConfig, background: BackgroundTasks
    ) -> None:
        self._factory = factory
        self._loaded = loaded
        self._background = background
        self._client: ModelClient | None = None
        self._users: dict[int, int] = {}
        """id(client) -> turns using it: a replaced client is closed when its count drops to 0."""
        self._warming: asyncio.Future[None] | None = None

    def reconfigure(self, loaded: LoadedConfig) -> None:
        """Build the next client from `loaded`; the current one closes once no turn uses it."""
        self._loaded = loaded
        old, self._client = self._client, None
        if old is not None and not self._users.get(id(old)):
            self._background.spawn(old.aclose())

    def warm_up(self) -> None:
        """Create the HTTP client in a worker thread ahead of the first turn.

        Importing httpx and building its SSL context cost tens of milliseconds;
        done here, the first command does not pay for them.
        """
        if self._client is None and self._warming is None:
            self._warming = asyncio.ensure_future(self._warm(self._loaded))

    async def _warm(self, loaded: LoadedConfig) -> None:
        try:
            client = await asyncio.to_thread(_prepare_client, self._factory, loaded)
        except Exception as exc:  # the first turn will report it properly
            log.warning("could not prepare the model client: %s", exc)
            return
        finally:
            self._warming = None
        if self._client is None and loaded is self._loaded:
            self._client = client
        else:
            await client.aclose()

    def shared(self) -> ModelClient:
        """The current client, built now if there is none yet."""
        if self._client is None:
            self._client = self._factory(self._loaded)
        return self._client

    @asynccontextmanager
    async def for_turn(self) -> AsyncIterator[ModelClient]:
        """The client a turn uses to its end, even if a reconfigure replaces it meanwhile."""
        if self._warming is not None:
            await asyncio.shield(self._warming)
        client = self.shared()
        self._users[id(client)] = self._users.get(id(client), 0) + 1
        try:
            yield client
        finally:
            self._release(client)

    def _release(self, client: ModelClient) -> None:
        """A turn is done with `client`: close it if it was replaced and nobody uses it."""
        left = self._users.get(id(client), 1) - 1
        if left > 0:
            self._users[id(client)] = left
            return
        self._users.pop(id(client), None)
        if client is not self._client:
            self._background.spawn(client.aclose())

    async def aclose(self) -> None:
        """Close the current client's connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _prepare_client(factory: ClientFactory, loaded: LoadedConfig) -> ModelClient:
    """Build the client and load what its first request would import (worker thread)."""
    client = factory(loaded)
    for module in ("httpcore._async.connection_pool", "anyio._backends._asyncio"):
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    return client
