"""Usage limits: the `x-codex-*` rate-limit headers and the 429 `usage_limit_reached` error.

ChatGPT-plan backends report two windows (primary: the short one, secondary: the
weekly one) on every response as `x-codex-{primary,secondary}-used-percent`,
`-window-minutes` and `-reset-at` (Unix seconds). When a window is used up they
answer 429 with `{"error": {"type": "usage_limit_reached", "resets_at", "plan_type"}}`;
retrying cannot help before the reset, so that error is final and says when.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

WINDOWS = ("primary", "secondary")
FIELDS = {"used-percent": "usedPercent", "window-minutes": "windowMinutes", "reset-at": "resetsAt"}


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number == number else None  # NaN


def rate_limit_windows(headers: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """`{"primary": {"usedPercent", "windowMinutes", "resetsAt"}, ...}`; empty if none sent."""
    out: dict[str, dict[str, float]] = {}
    for window in WINDOWS:
        values: dict[str, float] = {}
        for suffix, name in FIELDS.items():
            number = _number(headers.get(f"x-codex-{window}-{suffix}"))
            if number is not None:
                values[name] = number
        if "usedPercent" in values:
            out[window] = values
    return out


def local_time(epoch: float, now: float | None = None) -> str:
    """A reset time in the user's local time: `14:05` today, else `Tue 3 Jun 14:05`."""
    when = datetime.fromtimestamp(epoch).astimezone()
    today = datetime.fromtimestamp(now if now is not None else time.time()).astimezone()
    clock = when.strftime("%H:%M")
    if when.date() == today.date():
        return f"{clock} today"
    return f"{when.strftime('%a')} {when.day} {when.strftime('%b')} {clock}"


def usage_limit_message(error: Mapping[str, Any], now: float | None = None) -> str | None:
    """The user's message for a `usage_limit_reached` error object, else None."""
    if error.get("type") != "usage_limit_reached" and error.get("code") != "usage_limit_reached":
        return None
    plan = error.get("plan_type")
    message = "You've hit your usage limit" + (f" ({plan} plan)" if plan else "")
    resets_at = error.get("resets_at")
    if not isinstance(resets_at, int | float):
        seconds = error.get("resets_in_seconds")
        if isinstance(seconds, int | float):
            resets_at = (now if now is not None else time.time()) + seconds
    if isinstance(resets_at, int | float):
        return f"{message}. It resets at {local_time(resets_at, now)} (local time)."
    return f"{message}. Try again later."
