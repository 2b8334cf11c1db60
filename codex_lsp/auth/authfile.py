"""`$CODEX_HOME/auth.json` in Codex's exact shape, read and rewritten safely.

Shape: `auth_mode` ("apikey" | "chatgpt", optional), `OPENAI_API_KEY` (string or
null, always written), `tokens` {id_token, access_token, refresh_token, account_id}
(optional), `last_refresh` (RFC 3339, optional). Newer Codex versions add keys:
the record is kept as a plain dict so a rewrite keeps every key we do not know.
Writes go to a temporary file in the same folder (mode 0600, fsynced) that is
renamed over the old one, so a crash leaves the old file or the new one, never
half of one (Codex itself truncates in place).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codex_lsp.auth.errors import STORAGE, AuthError

AUTH_FILE_NAME = "auth.json"
API_KEY_FIELD = "OPENAI_API_KEY"
MODE_API_KEY = "apikey"
MODE_CHATGPT = "chatgpt"

AuthRecord = dict[str, Any]
"""One stored sign-in (the JSON object of auth.json, or the keyring's value)."""


def auth_path(home: Path) -> Path:
    """Where Codex keeps the file."""
    return home / AUTH_FILE_NAME


def resolved_mode(record: AuthRecord) -> str:
    """Codex's rule: `auth_mode` if present, else API key when one is stored, else ChatGPT."""
    mode = record.get("auth_mode")
    if isinstance(mode, str) and mode:
        return mode.lower()
    if record.get(API_KEY_FIELD) is not None:
        return MODE_API_KEY
    return MODE_CHATGPT


def tokens_of(record: AuthRecord | None) -> dict[str, Any]:
    """The `tokens` object, or `{}`."""
    tokens = (record or {}).get("tokens")
    return tokens if isinstance(tokens, dict) else {}


def now_rfc3339() -> str:
    """UTC now as Codex writes `last_refresh` (RFC 3339 with a `Z`)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def parse_rfc3339(value: Any) -> float | None:
    """Seconds since the epoch of an RFC 3339 time, or None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if "." in text:  # Codex writes nanoseconds; Python parses at most microseconds
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits) :]}"
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def parse_record(text: str, where: str) -> AuthRecord:
    """The JSON object of a stored sign-in, or an `AuthError` naming where it was."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AuthError(f"{where} is not valid JSON: {exc}", STORAGE) from exc
    if not isinstance(data, dict):
        raise AuthError(f"{where} does not hold a JSON object", STORAGE)
    return data


SETTLE_WAIT = 1.0
"""How long an unparsable auth.json is re-read before it is reported (a writer mid-write)."""
_SETTLE_STEP = 0.05


def read_auth_file(home: Path, settle: float = SETTLE_WAIT) -> AuthRecord | None:
    """The stored record, None when there is no file; malformed files raise `AuthError`.

    A file that does not parse is read again for up to `settle` seconds first:
    a writer that truncates in place (older Codex versions) leaves it half
    written for a moment, and that is not a broken sign-in.
    """
    deadline = time.monotonic() + settle
    while True:
        try:
            return _read_once(home)
        except AuthError:
            if time.monotonic() >= deadline:
                raise
        time.sleep(_SETTLE_STEP)


def _read_once(home: Path) -> AuthRecord | None:
    path = auth_path(home)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthError(f"cannot read {path}: {exc}", STORAGE) from exc
    return parse_record(text, str(path))


def serialize(record: AuthRecord) -> str:
    """JSON as Codex writes it (pretty, `OPENAI_API_KEY` always present)."""
    out = dict(record)
    out.setdefault(API_KEY_FIELD, None)
    return json.dumps(out, indent=2)


def write_auth_file(home: Path, record: AuthRecord) -> None:
    """Atomically replace auth.json: temp file (0600) in the same folder, fsync, rename."""
    home.mkdir(parents=True, exist_ok=True)
    path = auth_path(home)
    data = serialize(record).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".auth.json.", suffix=".tmp", dir=home)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(home, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def delete_auth_file(home: Path) -> bool:
    """Remove auth.json; whether there was one."""
    try:
        auth_path(home).unlink()
    except FileNotFoundError:
        return False
    return True


def chatgpt_record(
    id_token: str,
    access_token: str,
    refresh_token: str,
    account_id: str | None,
    api_key: str | None = None,
) -> AuthRecord:
    """A fresh ChatGPT sign-in, as Codex's `persist_tokens_async` writes it."""
    return {
        "auth_mode": MODE_CHATGPT,
        API_KEY_FIELD: api_key,
        "tokens": {
            "id_token": id_token,
            "access_token": access_token,
            "refresh_token": refresh_token,
            "account_id": account_id,
        },
        "last_refresh": now_rfc3339(),
    }


def api_key_record(api_key: str) -> AuthRecord:
    """An API-key sign-in, as `codex login --with-api-key` writes it."""
    return {"auth_mode": MODE_API_KEY, API_KEY_FIELD: api_key}


def with_refreshed_tokens(record: AuthRecord, fresh: dict[str, Any]) -> AuthRecord:
    """`record` with the tokens the refresh returned (only those present) and `last_refresh`."""
    out = dict(record)
    tokens = dict(tokens_of(record))
    for name in ("id_token", "access_token", "refresh_token"):
        value = fresh.get(name)
        if isinstance(value, str) and value:
            tokens[name] = value
    out["tokens"] = tokens
    out["last_refresh"] = now_rfc3339()
    return out
