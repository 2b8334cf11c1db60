"""Codex-style retries shared by both wire APIs.

A request that fails before streaming is retried up to `request_max_retries`
times with exponential backoff (honouring `Retry-After`); a stream that drops
part-way is retried up to `stream_max_retries` times, and the consumer is told
with a `StreamRestart` event so it can discard the partial answer.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from codex_lsp.models.base import ModelError, ModelEvent, RateLimits, StreamRestart

__all__ = ["RetryPolicy", "StreamRestart", "with_retries"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry."""

    request_max_retries: int = 4
    stream_max_retries: int = 5
    base_delay: float = 0.2
    max_delay: float = 20.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Backoff for the given attempt; the server's hint wins when present."""
        if retry_after is not None:
            return min(retry_after, 60.0)
        backoff = self.base_delay * (2 ** (attempt - 1))
        return float(min(self.max_delay, backoff * (0.9 + 0.2 * random.random())))


async def with_retries(
    attempt_stream: Callable[[], AsyncIterator[ModelEvent]], policy: RetryPolicy
) -> AsyncIterator[ModelEvent]:
    """Run `attempt_stream` until it completes, retrying transient failures."""
    request_retries = 0
    stream_retries = 0
    while True:
        yielded = False
        try:
            async for event in attempt_stream():
                # Rate-limit headers arrive before any output: they start no stream.
                yielded = yielded or not isinstance(event, RateLimits)
                yield event
            return
        except ModelError as err:
            if not err.retryable:
                raise
            started = yielded or err.stream_started
            if started:
                stream_retries += 1
                if stream_retries > policy.stream_max_retries:
                    raise
                attempt = stream_retries
            else:
                request_retries += 1
                if request_retries > policy.request_max_retries:
                    raise
                attempt = request_retries
            wait = policy.delay(attempt, err.retry_after)
            log.warning("model request failed (%s); retry %d in %.2fs", err.message, attempt, wait)
            if yielded:
                yield StreamRestart(reason=err.message, attempt=attempt)
            await asyncio.sleep(wait)
