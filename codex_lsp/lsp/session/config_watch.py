"""Configuration problems said once, and a fixed file picked up without a restart.

The server stats `config.toml`, `auth.json` and the selected profile's
`<name>.config.toml` before each command (a few `stat` calls, no polling): when
one changed, the configuration is loaded again. The problems of a load are shown
once through `window/showMessage`; the same list is not shown again, and a list
that empties says the configuration is fine now.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from codex_lsp.config import AUTH_FILE_NAME, CONFIG_FILE_NAME
from codex_lsp.config.problems import ConfigProblem
from codex_lsp.config.profile_files import profile_path
from codex_lsp.lsp.session.client import Client

NEXT_STEP = "Fix it and run any Codex command: the file is read again, no restart needed."

Stamp = tuple[int, int, int] | None


def _stamp(path: Path) -> Stamp:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


class ConfigWatch:
    """The files the configuration was read from, as they were then."""

    def __init__(self) -> None:
        self._files: tuple[Path, ...] = ()
        self._stamps: tuple[Stamp, ...] = ()

    def remember(self, home: Path, profile: str | None = None) -> None:
        """Note the state of the files a load just read (or looked for: a profile's)."""
        files = [home / CONFIG_FILE_NAME, home / AUTH_FILE_NAME]
        profile_file = profile_path(home, profile) if profile else None
        if profile_file is not None:
            files.append(profile_file)
        self._files = tuple(files)
        self._stamps = tuple(_stamp(f) for f in self._files)

    def changed(self) -> bool:
        """Whether a file changed (written, created, removed) since `remember`."""
        return bool(self._files) and tuple(_stamp(f) for f in self._files) != self._stamps


class ProblemReport:
    """Says each new list of problems once (errors and warnings apart)."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._errors: tuple[str, ...] = ()
        self._warnings: tuple[str, ...] = ()

    def report(self, problems: Sequence[ConfigProblem], warnings: Sequence[str]) -> None:
        """Show what is new; say so when earlier errors are gone."""
        errors = tuple(str(p) for p in problems)
        if errors != self._errors:
            if errors:
                self._client.show_message(error_message(errors), 1)
            elif self._errors:
                self._client.show_message("codex-lsp: the configuration is fine now.", 3)
            self._errors = errors
        shown = tuple(warnings)
        if shown != self._warnings:
            if shown:
                self._client.show_message(f"codex-lsp: {'; '.join(shown)}", 2)
            self._warnings = shown


def error_message(errors: Sequence[str]) -> str:
    """One message for the user: every problem (file, line, key, what was done) and the fix."""
    count = f"{len(errors)} problems" if len(errors) > 1 else "a problem"
    return f"codex-lsp configuration has {count}: {'; '.join(errors)}. {NEXT_STEP}"
