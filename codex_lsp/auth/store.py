"""Where a sign-in is stored: `cli_auth_credentials_store` = "file" | "keyring" | "auto".

As in Codex: "file" is auth.json; "keyring" is the OS keyring (a successful save
removes auth.json); "auto" tries the keyring, then falls back to the file.
Every write and delete holds Codex's locks (`codex_lsp.auth.locks`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from codex_lsp.auth import authfile, keyring_store
from codex_lsp.auth.authfile import AuthRecord
from codex_lsp.auth.errors import AuthError
from codex_lsp.auth.locks import write_locks

log = logging.getLogger(__name__)

STORE_MODES = ("file", "keyring", "auto")


@dataclass(frozen=True)
class CredentialStore:
    """The configured store for one CODEX_HOME."""

    home: Path
    mode: str = "file"

    def describe(self) -> str:
        """Where the credentials live, for messages."""
        if self.mode == "file":
            return str(authfile.auth_path(self.home))
        if self.mode == "keyring":
            return f"the OS keyring ({keyring_store.SERVICE})"
        return f"the OS keyring or {authfile.auth_path(self.home)}"

    def load(self) -> AuthRecord | None:
        """The stored record, or None; unreadable storage raises `AuthError`."""
        if self.mode == "file":
            return authfile.read_auth_file(self.home)
        if self.mode == "keyring":
            return keyring_store.keyring_load(self.home)
        try:
            record = keyring_store.keyring_load(self.home)
        except AuthError as exc:
            log.info("keyring not used: %s", exc.message)
            record = None
        return record if record is not None else authfile.read_auth_file(self.home)

    def save(self, record: AuthRecord, outer_held: bool = False) -> None:
        """Store `record` under Codex's locks (`outer_held`: the caller holds auth.lock)."""
        with write_locks(self.home, outer_held):
            self._save(record)

    def _save(self, record: AuthRecord) -> None:
        if self.mode == "file":
            authfile.write_auth_file(self.home, record)
            return
        try:
            keyring_store.keyring_save(self.home, record)
        except AuthError as exc:
            if self.mode == "keyring":
                raise
            log.info("keyring not used, writing auth.json: %s", exc.message)
            authfile.write_auth_file(self.home, record)
            return
        authfile.delete_auth_file(self.home)

    def delete(self) -> bool:
        """Remove the stored sign-in everywhere this mode looks; whether anything was removed."""
        with write_locks(self.home):
            removed = False
            if self.mode != "file":
                try:
                    removed = keyring_store.keyring_delete(self.home)
                except AuthError:
                    if self.mode == "keyring":
                        raise
            return authfile.delete_auth_file(self.home) or removed
