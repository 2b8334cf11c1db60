"""Inline completion's counters and its `codex.status` entry.

Apart from `service` (asyncio, the model client) so that `codex.status` can be
answered before the server has loaded (`lsp.rpc.early_status`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from codex_lsp.config.model import InlineCompletionConfig


@dataclass
class Stats:
    """What inline completion did this session."""

    requests: int = 0
    cache_hits: int = 0
    debounced: int = 0
    """Requests superseded or cancelled while waiting: no model call made."""
    model_requests: int = 0
    cancelled: int = 0
    """Model calls cut short (newer request, client cancel): their stream was closed."""
    answered: int = 0


def completion_status(
    config: InlineCompletionConfig, enabled: bool, stats: Stats | None = None
) -> dict[str, Any]:
    """`inlineCompletion` in `codex.status`: on or off, FIM or not, and the counters."""
    return {
        "enabled": enabled,
        "fim": config.provider is not None,
        "debounceMs": config.debounce_ms,
        **asdict(stats or Stats()),
    }
