"""Answering `textDocument/inlineCompletion`: cache, debounce, one request per document.

Each request first looks in the cache (typing into a shown suggestion costs
nothing), then waits `debounce_ms` (a newer request for the same document in
the meantime cancels it: no model call), then asks the model (FIM endpoint when
configured, else the chat/Responses model). A newer request, or the client's
`$/cancelRequest`, cancels the task and with it the HTTP stream. Counters of what
was saved are in `status()` (and the benchmark reads them).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codex_lsp.completion.cache import SuggestionCache
from codex_lsp.completion.context import CompletionContext, build_context, neighbour_excerpts
from codex_lsp.completion.prompt import completion_request
from codex_lsp.completion.stats import Stats, completion_status
from codex_lsp.completion.trim import trim_completion
from codex_lsp.config import InlineCompletionConfig, LoadedConfig
from codex_lsp.models.base import ModelClient, ModelError, TextDelta

if TYPE_CHECKING:
    from codex_lsp.completion.fim import FimClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cursor:
    """Where to complete, as the handler read it from the open document."""

    uri: str
    lines: list[str]
    line: int
    character: int
    path: str
    language: str
    neighbours: list[tuple[str, str]]


class InlineCompletions:
    """The connection's inline completion state."""

    def __init__(
        self,
        loaded: Callable[[], LoadedConfig],
        model_client: Callable[[], ModelClient],
    ) -> None:
        self._loaded = loaded
        self._model_client = model_client
        self.cache = SuggestionCache()
        self.stats = Stats()
        self.session_enabled: bool | None = None
        """`codex.toggleInlineCompletion`'s choice; None: the configuration's."""
        self._running: dict[str, asyncio.Task[str]] = {}
        self._asking: weakref.WeakSet[asyncio.Task[str]] = weakref.WeakSet()
        """Tasks past their debounce, waiting for the model."""
        self._fim: FimClient | None = None
        self._fim_key: tuple[str, str] | None = None
        self.advertised = False
        """Whether the client was told we answer inline completions (initialize or later)."""

    @property
    def config(self) -> InlineCompletionConfig:
        """`[inline_completion]` as currently configured."""
        return self._loaded().config.inline_completion

    @property
    def enabled(self) -> bool:
        """Whether requests get completions now."""
        return self.config.enabled if self.session_enabled is None else self.session_enabled

    def status(self) -> dict[str, Any]:
        """For `codex.status`."""
        return completion_status(self.config, self.enabled, self.stats)

    def allows(self, language: str) -> bool:
        """Enabled, and for this language."""
        return self.enabled and self.config.allows(language)

    async def complete(self, cursor: Cursor, debounce: bool = True) -> str:
        """The insertion at the cursor ('' for none); a newer request cancels this one.

        `debounce` False (the user asked explicitly): ask the model at once.
        """
        self.stats.requests += 1
        previous = self._running.pop(cursor.uri, None)
        if previous is not None:
            self._stop(previous)
        task = asyncio.ensure_future(self._complete(cursor, debounce))
        self._running[cursor.uri] = task
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            self._stop(task)  # stop the model call too (it closes the HTTP stream)
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the client cancelled this request
            return ""  # a newer request for the document took over
        finally:
            if self._running.get(cursor.uri) is task:
                del self._running[cursor.uri]

    async def _complete(self, cursor: Cursor, debounce: bool) -> str:
        cfg = self.config
        ctx = build_context(
            cursor.lines,
            cursor.line,
            cursor.character,
            cursor.path,
            cursor.language,
            cfg.context_tokens,
        )
        cached = self.cache.get(cursor.uri, ctx.prefix, ctx.suffix)
        if cached is not None:
            self.stats.cache_hits += 1
            return trim_completion(cached, ctx, cfg.max_lines)
        if debounce:
            await asyncio.sleep(cfg.debounce_ms / 1000)
        self.stats.model_requests += 1
        task = asyncio.current_task()
        if task is not None:
            self._asking.add(task)
        try:
            text = await self._ask(ctx, cursor, cfg)
        except ModelError as exc:
            log.warning("inline completion failed: %s", exc.message)
            return ""
        insertion = trim_completion(text, ctx, cfg.max_lines)
        self.cache.put(cursor.uri, ctx.prefix, ctx.suffix, insertion)
        if insertion:
            self.stats.answered += 1
        return insertion

    def _stop(self, task: asyncio.Task[str]) -> None:
        """Cancel a request's work, counting what that saved."""
        if task.done():
            return
        if task in self._asking:
            self.stats.cancelled += 1  # the model call is cut short
        else:
            self.stats.debounced += 1  # it never reached the model
        task.cancel()

    async def _ask(
        self, ctx: CompletionContext, cursor: Cursor, cfg: InlineCompletionConfig
    ) -> str:
        loaded = self._loaded()
        model = cfg.model or loaded.config.model
        if cfg.provider is not None:
            return await self._fim_client(loaded, cfg.provider, model).complete(
                ctx.prefix, ctx.suffix, cfg.max_tokens
            )
        budget = max(cfg.context_tokens // 4, 64)
        ctx = CompletionContext(
            ctx.path,
            ctx.language,
            ctx.prefix,
            ctx.suffix,
            ctx.line_prefix,
            ctx.line_suffix,
            neighbour_excerpts(cursor.neighbours, budget),
        )
        responses = loaded.provider.wire_api == "responses"
        request = completion_request(ctx, model, cfg.max_tokens, responses)
        pieces: list[str] = []
        async for event in self._model_client().stream(request):
            if isinstance(event, TextDelta):
                pieces.append(event.text)
        return "".join(pieces)

    def _fim_client(self, loaded: LoadedConfig, provider_id: str, model: str) -> FimClient:
        from codex_lsp.completion.fim import FimClient

        provider = loaded.config.model_providers.get(provider_id)
        if provider is None:
            raise ModelError(
                f"[inline_completion] provider {provider_id!r} is not in [model_providers]"
            )
        if (
            self._fim is None
            or self._fim_key != (provider_id, model)
            or self._fim.provider != provider
        ):
            self._fim = FimClient(provider, model)
            self._fim_key = (provider_id, model)
        return self._fim

    def cancel_all(self) -> None:
        """Shutdown: stop every model call."""
        for task in self._running.values():
            task.cancel()
        self._running.clear()

    async def aclose(self) -> None:
        """Close the FIM client's connections."""
        self.cancel_all()
        if self._fim is not None:
            await self._fim.aclose()
            self._fim = None
