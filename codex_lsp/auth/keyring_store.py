"""The OS keyring as Codex uses it: service "Codex Auth", one entry per CODEX_HOME.

The account is `cli|` + the first 16 hex digits of SHA-256 of the canonical
CODEX_HOME path (codex-rs/login/src/auth/storage.rs `compute_store_key`), and the
value is the same JSON as auth.json, so a keyring sign-in made by Codex is found
here too. The `keyring` library is optional at run time: without it, or without
a usable backend, `KeyringUnavailable` says so and what to set instead.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from codex_lsp.auth.authfile import AuthRecord, parse_record, serialize
from codex_lsp.auth.errors import STORAGE, AuthError

SERVICE = "Codex Auth"
_FALLBACK_HINT = 'set cli_auth_credentials_store = "file" in config.toml to use auth.json'


class KeyringUnavailable(AuthError):
    """No keyring library or backend on this machine."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"The OS keyring is not available ({detail}); {_FALLBACK_HINT}.", STORAGE)


def store_account(home: Path) -> str:
    """The keyring account for `home`: `cli|` + 16 hex digits of sha256(canonical path)."""
    try:
        canonical = home.resolve(strict=True)
    except OSError:
        canonical = home
    digest = hashlib.sha256(str(canonical).encode("utf-8")).hexdigest()
    return f"cli|{digest[:16]}"


def _keyring() -> Any:
    try:
        import keyring
        from keyring.backends import fail
    except ImportError as exc:
        raise KeyringUnavailable("the 'keyring' package is not installed") from exc
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise KeyringUnavailable("no keyring backend is configured")
    return keyring


def keyring_load(home: Path) -> AuthRecord | None:
    """The record Codex (or we) stored for `home`, or None."""
    kr = _keyring()
    try:
        value = kr.get_password(SERVICE, store_account(home))
    except Exception as exc:  # backends raise their own error types
        raise KeyringUnavailable(f"reading failed: {exc}") from exc
    if value is None:
        return None
    return parse_record(value, f"the keyring entry {SERVICE!r}")


def keyring_save(home: Path, record: AuthRecord) -> None:
    """Store `record` for `home` (compact JSON, as Codex's `serde_json::to_string`)."""
    kr = _keyring()
    text = json.dumps(json.loads(serialize(record)), separators=(",", ":"))
    try:
        kr.set_password(SERVICE, store_account(home), text)
    except Exception as exc:
        raise KeyringUnavailable(f"writing failed: {exc}") from exc


def keyring_delete(home: Path) -> bool:
    """Remove the entry for `home`; whether there was one."""
    kr = _keyring()
    from keyring.errors import PasswordDeleteError

    try:
        kr.delete_password(SERVICE, store_account(home))
    except PasswordDeleteError:
        return False
    except Exception as exc:
        raise KeyringUnavailable(f"deleting failed: {exc}") from exc
    return True
