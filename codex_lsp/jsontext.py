r"""Text that must survive UTF-8: lone surrogates replaced, JSON encoded safely.

JSON from an editor may carry a lone surrogate (`"\ud800"`): Python decodes it
into a `str` that cannot be encoded as UTF-8, so saving a thread or sending a
model request with it raised `UnicodeEncodeError`. Text is scrubbed where it
enters the agent (`scrub`), and encoders fall back to scrubbing (`dumps_utf8`).
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (a pair is joined into its character)."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def scrub_json(value: Any) -> Any:
    """A JSON value with every string (keys too) passed through `scrub`."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): scrub_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_json(v) for v in value]
    return value


def dumps_utf8(value: Any) -> bytes:
    """Compact JSON as UTF-8 bytes; lone surrogates become U+FFFD instead of an error."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return scrub(text).encode("utf-8")


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short line for a user: type and message, no traceback."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {message}"[:limit]
