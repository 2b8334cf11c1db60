"""Writing approved edits: atomic writes, the staleness check, and both in one step.

Every host writes through `FreshWrites`: it checks that each file is still what
the edit was computed from, then runs the host's own write step (the editor's
`workspace/applyEdit`, or atomic writes for the terminal `exec` mode and files a
client cannot change itself).
"""

from __future__ import annotations

import asyncio
import errno
import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from codex_lsp.core.protocol import ApplyOutcome, FileEdit, Snapshot
from codex_lsp.core.workspace import read_text_if_present


class StaleEdit(Exception):
    """The file changed after the edit was computed; nothing was written."""


def atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a file."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """`atomic_write` for bytes (also used to restore a file exactly).

    An empty folder where the file goes is removed first: only an undo meets
    one, where a patch had turned the file into a folder of new files.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        path.rmdir()  # fails (clearly) unless empty
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".codex-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _same_place(path: Path) -> None:
    """Refuse a path whose real location moved since it was approved.

    Edits carry real (symlink-free) paths checked against the workspace when
    proposed; if a folder on the way became a symlink since, the write would
    land elsewhere, so nothing is written.
    """
    if Path(os.path.realpath(path)) != path:
        raise OSError(errno.EXDEV, "the path now leads elsewhere (a symlink appeared)", str(path))


def apply_on_disk(f: FileEdit) -> None:
    """Carry out one file edit directly (files the editor does not manage)."""
    for path in (f.path, f.move_to):
        if path is not None:
            _same_place(path)
    if f.kind == "delete":
        f.path.unlink()
        return
    target = f.move_to or f.path
    atomic_write(target, f.new_text or "")
    if f.move_to is not None and f.move_to != f.path and f.path.exists():
        f.path.unlink()


def apply_all_on_disk(files: Sequence[FileEdit]) -> None:
    """Carry out every edit or none: on a failure, the files already written are restored.

    A patch is one change to the user; leaving its first files written and the
    rest not would leave code that exists nowhere in the model's view.
    """
    saved: dict[Path, bytes | None] = {}
    try:
        for f in files:
            for path in (f.path, f.move_to):
                if path is not None and path not in saved:
                    saved[path] = path.read_bytes() if path.is_file() else None
            apply_on_disk(f)
    except BaseException:
        _restore(saved)
        raise


def _restore(saved: dict[Path, bytes | None]) -> None:
    """Put back the bytes (or the absence) of each file, best effort."""
    for path, data in reversed(saved.items()):  # files inside new folders go first
        try:
            if data is None:
                if path.is_file() or path.is_symlink():
                    path.unlink()
            elif not path.is_file() or path.read_bytes() != data:
                atomic_write_bytes(path, data)
        except OSError:
            continue


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


class FreshWrites:
    """Check that an edit is fresh, then write it; one edit at a time.

    Two turns may be approved at once: without the lock both pass the check
    before either edit lands, and the second is written over text it was not
    computed from. `snapshot` is the host's open-buffer lookup (`AgentHost.snapshot`).
    """

    def __init__(self, snapshot: Callable[[Path], Snapshot | None]) -> None:
        self._snapshot = snapshot
        self._lock = asyncio.Lock()

    async def write(
        self,
        files: Sequence[FileEdit],
        write: Callable[[], Awaitable[ApplyOutcome]] | None = None,
    ) -> ApplyOutcome:
        """Run `write` if every file is what its edit was computed from, else say which is not.

        All or nothing: a stale file stops the whole edit before anything is
        written; a failed disk write is reported with the file's name. Without
        `write`, the files are written atomically on disk (`apply_all_on_disk`).
        """
        async with self._lock:
            try:
                for f in files:
                    self._check(f)
                if write is None:
                    apply_all_on_disk(files)
                    return ApplyOutcome(True)
                return await write()
            except StaleEdit as exc:
                return ApplyOutcome(False, str(exc))
            except OSError as exc:
                where = f" {exc.filename}" if exc.filename else ""
                return ApplyOutcome(False, f"writing{where}: {exc.strerror or exc}")

    def _check(self, f: FileEdit) -> None:
        """The file as the user has it: its editor buffer if open, else its disk text."""
        snap = self._snapshot(f.path)
        if snap is not None:
            check_fresh(f, snap.text, snap.version)
        else:
            check_fresh(f, read_text_if_present(f.path), None)
