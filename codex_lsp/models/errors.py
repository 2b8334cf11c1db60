"""Turn HTTP and transport failures into one clear message for the user."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from time import time

import httpx

from codex_lsp.models.base import ModelError
from codex_lsp.models.limits import usage_limit_message


def _error_object(body: bytes) -> dict[str, object]:
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    err = data.get("error") if isinstance(data, dict) else None
    return err if isinstance(err, dict) else {}


FINAL_SERVER_ERRORS = {
    "tools param requires --jinja flag": (
        "llama.cpp's server needs the --jinja flag for tool calling: restart it as "
        "`llama-server --jinja ...`"
    ),
}
"""Server errors a retry cannot fix (5xx or not), with the fix to tell the user."""


def _server_message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:300]
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
        if data.get("message"):
            return str(data["message"])
    return json.dumps(data)[:300]


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None


def http_error(
    status: int, body: bytes, headers: httpx.Headers, *, base_url: str, model: str, key_hint: str
) -> ModelError:
    """Map an HTTP error response to a `ModelError` the user can act on."""
    detail = _server_message(body)
    retry_after = parse_retry_after(headers.get("retry-after"))
    for needle, fix in FINAL_SERVER_ERRORS.items():
        if needle in detail:
            return ModelError(
                f"The model server at {base_url} refused the request ({status}): {detail}. {fix}",
                status=status,
            )
    if status == 429:
        limit = usage_limit_message(_error_object(body))
        if limit is not None:
            return ModelError(limit, status=status)
    if status == 401 or status == 403:
        return ModelError(
            f"The model server at {base_url} refused the credentials ({status}): "
            f"check your API key in {key_hint}. Server said: {detail}",
            status=status,
        )
    if status == 404:
        return ModelError(
            f"Model {model!r} not found at {base_url} (404). Server said: {detail}",
            status=status,
        )
    if status == 429:
        return ModelError(
            f"Rate limited by {base_url} (429): {detail}",
            status=status,
            retryable=True,
            retry_after=retry_after,
        )
    if status >= 500:
        return ModelError(
            f"The model server at {base_url} failed ({status}): {detail}",
            status=status,
            retryable=True,
            retry_after=retry_after,
        )
    return ModelError(f"The model server at {base_url} answered {status}: {detail}", status=status)


def transport_error(exc: Exception, *, base_url: str, stream_started: bool) -> ModelError:
    """Map a connection-level failure; a refused connection asks if the server runs."""
    if isinstance(exc, httpx.ConnectError):
        from codex_lsp.net import tls_hint

        hint = tls_hint(exc)
        if hint:  # a refused certificate: retrying cannot help, the setting must change
            return ModelError(f"Could not connect to {base_url} securely ({exc}).{hint}")
        return ModelError(
            f"Could not connect to {base_url}: is the server running at {base_url}? ({exc})",
            retryable=True,
        )
    if isinstance(exc, httpx.TimeoutException):
        return ModelError(
            f"The model server at {base_url} stopped sending data (timeout).",
            retryable=True,
            stream_started=stream_started,
        )
    return ModelError(
        f"The connection to {base_url} broke: {str(exc) or type(exc).__name__}",
        retryable=True,
        stream_started=stream_started,
    )
