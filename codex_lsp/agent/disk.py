"""Writing approved edits to disk: atomic writes and the staleness check.

Used by front ends that own the files (the terminal `exec` mode) and by the
LSP server for file operations a client cannot do itself.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from codex_lsp.agent.protocol import FileEdit


class StaleEdit(Exception):
    """The file changed after the edit was computed; nothing was written."""


def atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".codex-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def apply_on_disk(f: FileEdit) -> None:
    """Carry out one file edit directly (files the editor does not manage)."""
    if f.kind == "delete":
        f.path.unlink()
        return
    target = f.move_to or f.path
    atomic_write(target, f.new_text or "")
    if f.move_to is not None and f.move_to != f.path and f.path.exists():
        f.path.unlink()


def check_fresh(f: FileEdit, current_text: str | None, current_version: int | None) -> None:
    """Raise `StaleEdit` if the file is not what the edit was computed from."""
    name = f.path.name
    if f.kind == "add":
        if current_text is not None and f.old_text is None:
            raise StaleEdit(f"{name} was created since the edit was proposed")
        return
    if f.version is not None and current_version is not None and f.version != current_version:
        raise StaleEdit(
            f"{name} changed since the edit was proposed (version {f.version} -> "
            f"{current_version}); nothing was written"
        )
    if current_text is None:
        raise StaleEdit(f"{name} no longer exists; nothing was written")
    if current_text != f.old_text:
        raise StaleEdit(f"{name} changed since the edit was proposed; nothing was written")
