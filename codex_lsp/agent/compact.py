"""Compaction: when a thread's history nears the context window, the model summarises it.

The history is replaced by one message holding the summary plus the current
request, so long conversations keep working instead of failing on length.
"""

from __future__ import annotations

from typing import Any

from codex_lsp.agent.thread import Thread
from codex_lsp.core.items import MessageItem, ResponseItem, user_message
from codex_lsp.models.base import ModelClient, ModelRequest, StreamRestart, TextDelta

DEFAULT_CONTEXT_WINDOW = 200_000
SUMMARY_PREFIX = "Summary of the conversation so far (earlier messages were compacted):\n"
SUMMARY_REQUEST = (
    "Summarise this conversation for yourself so you can continue the work without it: the "
    "user's goals, decisions made, files read or changed (with paths), what is done and what "
    "remains. Be concise and concrete."
)


IMAGE_CHARS = 4 * 1_600
"""An image counts as about 1,600 tokens (a high-detail image of Codex's 2048x768 box)."""


def _chars(value: Any) -> int:
    if isinstance(value, str):
        return IMAGE_CHARS if value.startswith("data:image/") else len(value)
    if isinstance(value, dict):
        return sum(_chars(v) for v in value.values())
    if isinstance(value, list):
        return sum(_chars(v) for v in value)
    return 0


def estimate_tokens(history: list[ResponseItem]) -> int:
    """A cheap token estimate: about four characters of text per token.

    Counts the text itself, not its JSON encoding, so patches (whose newlines
    and quotes JSON escapes) are not counted twice.
    """
    return _chars(history) // 4


def compact_limit(auto_compact_limit: int | None, context_window: int | None) -> int:
    """Tokens of history above which the thread is compacted before the next request."""
    if auto_compact_limit:
        return auto_compact_limit
    return int((context_window or DEFAULT_CONTEXT_WINDOW) * 0.8)


def _last_user_message(history: list[ResponseItem]) -> ResponseItem | None:
    for item in reversed(history):
        if item["type"] == "message" and item["role"] == "user":
            message: MessageItem = item
            return message
    return None


async def compact(thread: Thread, client: ModelClient, model: str, instructions: str) -> str:
    """Ask the model for a summary and replace the history with it; returns the summary."""
    request = ModelRequest(
        model=model,
        instructions=instructions,
        input=[*thread.history, user_message(SUMMARY_REQUEST)],
        tools=[],
    )
    parts: list[str] = []
    async for event in client.stream(request):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, StreamRestart):  # a retried stream: the partial text is void
            parts.clear()
    summary = "".join(parts).strip()
    current = _last_user_message(thread.history)
    thread.history = [user_message(SUMMARY_PREFIX + summary)]
    if current is not None:
        thread.history.append(current)
    return summary
