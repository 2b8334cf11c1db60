"""Token usage summed per thread, from each response's `usage` (Responses shape).

Chat Completions usage is translated to the same shape by its client, so one sum
serves both. Shown in `codex.status` and in each command's result.
"""

from __future__ import annotations

from typing import Any

USAGE_KEYS = ("inputTokens", "cachedTokens", "outputTokens", "reasoningTokens", "totalTokens")


def empty_usage() -> dict[str, int]:
    """All counters at zero (plus `requests`: responses that reported usage)."""
    return {key: 0 for key in (*USAGE_KEYS, "requests")}


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def usage_counts(usage: dict[str, Any]) -> dict[str, int]:
    """One response's usage as our counters."""
    inputs = _int(usage.get("input_tokens"))
    outputs = _int(usage.get("output_tokens"))
    in_details = usage.get("input_tokens_details")
    out_details = usage.get("output_tokens_details")
    in_details = in_details if isinstance(in_details, dict) else {}
    out_details = out_details if isinstance(out_details, dict) else {}
    return {
        "inputTokens": inputs,
        "cachedTokens": _int(in_details.get("cached_tokens")),
        "outputTokens": outputs,
        "reasoningTokens": _int(out_details.get("reasoning_tokens")),
        "totalTokens": _int(usage.get("total_tokens")) or inputs + outputs,
        "requests": 1,
    }


def add_usage(total: dict[str, int], usage: dict[str, Any] | None) -> None:
    """Add one response's usage to `total` (nothing when the server sent none)."""
    if not isinstance(usage, dict):
        return
    for key, value in usage_counts(usage).items():
        total[key] = total.get(key, 0) + value
