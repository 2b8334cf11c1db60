"""What the requests of an edit run cost: bytes, estimated tokens, cacheable prefix.

Computed from the request bodies the scripted model recorded for one side's run
(two requests per edit turn: the call, then its output back). Tokens are estimated
as bytes / 4. The cacheable share of a request is the part of its prompt, in the
order the API reads it (tools, instructions, input items), that is byte for byte the
previous request's: what prompt caching can reuse.
"""

from __future__ import annotations

import itertools
import json
import statistics
from typing import Any

BYTES_PER_TOKEN = 4


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def prompt_text(body: dict[str, Any]) -> str:
    """The prompt as the model reads it: tools, instructions, then each input item."""
    parts = [_compact(body.get("tools") or []), _compact(body.get("instructions") or "")]
    parts += [_compact(item) for item in body.get("input") or body.get("messages") or []]
    return "\n".join(parts)


def shared_prefix(a: str, b: str) -> int:
    """Length of the common prefix of two strings."""
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:  # binary search on prefix equality: fast for long prompts
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def cost_figures(bodies: list[dict[str, Any]], per_turn: int = 2) -> dict[str, float]:
    """`cost_*` figures for one run's request bodies, in order."""
    if not bodies:
        return {}
    sizes = [len(_compact(b).encode()) for b in bodies]
    prompts = [prompt_text(b) for b in bodies]
    shares = [
        100.0 * shared_prefix(prev, cur) / max(1, len(cur))
        for prev, cur in itertools.pairwise(prompts)
    ]
    turns = [sum(sizes[i : i + per_turn]) / BYTES_PER_TOKEN for i in range(0, len(sizes), per_turn)]
    out = {
        "cost_first_request_kb": sizes[0] / 1024,
        "cost_request_kb": statistics.median(sizes) / 1024,
        "cost_first_turn_tokens": turns[0],
        "cost_turn_tokens": statistics.median(turns),
    }
    if shares:
        out["cost_prefix_pct"] = statistics.median(shares)
        out["cost_prefix_min_pct"] = min(shares)
    return out
