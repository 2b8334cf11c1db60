"""Credentials the server holds, and the one redaction applied where logs and errors are built.

The configuration loader and the MCP manager `remember` every credential they
read (the provider's API key, `env_http_headers` values, credential-looking
`http_headers`, MCP bearer tokens). Everything a user or a log can see that
does not come from the model goes through `redact`: `ModelError` messages
(a server may echo the key in a 401 body), and every log line (the log
formatter). Shell commands get an environment without those values
(`scrub_env`), whatever the variables are called.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping

MASK = "[REDACTED]"
MIN_LENGTH = 8
"""Shorter values are not treated as secrets: masking them would garble ordinary text."""

_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"(?i)(?<=\bbearer )[A-Za-z0-9._~+/=\-]{8,}"),
)
"""Key-shaped text masked even when it is not a value we hold (e.g. a key the server echoes)."""

_CREDENTIAL_HEADER = re.compile(r"(?i)auth|key|token|secret|cookie|session")

_lock = threading.Lock()
_known: frozenset[str] = frozenset()


def remember(values: Iterable[str | None]) -> None:
    """Add credentials to mask; `Bearer X`-style values also mask `X` alone."""
    global _known
    found: set[str] = set()
    for value in values:
        if not value:
            continue
        value = value.strip()
        found.add(value)
        _scheme, _, rest = value.partition(" ")
        if rest:
            found.add(rest.strip())
    found = {v for v in found if len(v) >= MIN_LENGTH}
    if found - _known:
        with _lock:
            _known = _known | found


def header_credentials(headers: Mapping[str, str]) -> list[str]:
    """Values of headers whose names say they carry credentials."""
    return [value for name, value in headers.items() if _CREDENTIAL_HEADER.search(name)]


def known() -> frozenset[str]:
    """The credentials remembered so far."""
    return _known


def redact(text: str) -> str:
    """`text` with every remembered credential and key-shaped token masked."""
    for secret in sorted(_known, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text


def scrub_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without the variables whose values hold a remembered credential."""
    secrets = _known
    return {k: v for k, v in env.items() if not any(s in v for s in secrets)}


class RedactingFormatter(logging.Formatter):
    """A log formatter that masks credentials in messages and tracebacks alike."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
