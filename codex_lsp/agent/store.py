"""Threads on disk: one append-only JSONL file per thread under `$CODEX_HOME/sessions/`.

Each line is a record: `meta` (first), `item` (a history item), `applied`
(the edits of the last turn that changed files, for undo), `compacted` (the
history was replaced by a summary). Lines are appended and flushed one at a
time; a torn last line (a crash mid-write) is ignored when loading.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_lsp.agent.protocol import FileEdit
from codex_lsp.agent.thread import Thread

log = logging.getLogger(__name__)

SAFE_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_T")


@dataclass(frozen=True)
class ThreadSummary:
    """What a thread list shows."""

    thread_id: str
    title: str
    cwd: str
    created: float
    updated: float
    items: int


def edit_to_json(edit: FileEdit) -> dict[str, Any]:
    """A file edit as a JSON record (texts included: undo needs them)."""
    return {
        "path": str(edit.path),
        "kind": edit.kind,
        "old_text": edit.old_text,
        "new_text": edit.new_text,
        "move_to": str(edit.move_to) if edit.move_to else None,
    }


def edit_from_json(data: dict[str, Any]) -> FileEdit:
    """Inverse of `edit_to_json`."""
    return FileEdit(
        path=Path(data["path"]),
        kind=data["kind"],
        old_text=data.get("old_text"),
        new_text=data.get("new_text"),
        move_to=Path(data["move_to"]) if data.get("move_to") else None,
    )


class ThreadStore:
    """Reads and appends thread files; never rewrites one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, thread_id: str) -> Path:
        """The JSONL file of a thread (ids are checked so they cannot name other files)."""
        if not thread_id or not set(thread_id) <= SAFE_ID:
            raise KeyError(f"invalid thread id {thread_id!r}")
        return self.folder / f"{thread_id}.jsonl"

    def _append(self, thread_id: str, record: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            line = json.dumps(record, ensure_ascii=False) + "\n"
            with open(self.path_for(thread_id), "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
        except OSError as exc:  # history is a convenience: never fail a turn over it
            log.warning("could not save thread %s: %s", thread_id, exc)

    def create(self, thread: Thread, cwd: Path) -> None:
        """Write the meta record of a new thread."""
        self._append(
            thread.id,
            {
                "type": "meta",
                "id": thread.id,
                "title": thread.title,
                "cwd": str(cwd),
                "created": thread.created,
            },
        )

    def append_item(self, thread_id: str, item: dict[str, Any]) -> None:
        """Record one history item."""
        self._append(thread_id, {"type": "item", "item": item})

    def record_title(self, thread_id: str, title: str) -> None:
        """Record the thread's title once known."""
        self._append(thread_id, {"type": "title", "title": title})

    def record_applied(self, thread_id: str, edits: list[FileEdit]) -> None:
        """Record the edits of the last turn that changed files (for undo)."""
        self._append(thread_id, {"type": "applied", "edits": [edit_to_json(e) for e in edits]})

    def record_compacted(self, thread_id: str, history: list[dict[str, Any]]) -> None:
        """Record that the history was replaced by a summary."""
        self._append(thread_id, {"type": "compacted", "history": history})

    def _records(self, path: Path) -> list[dict[str, Any]]:
        records = []
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                try:
                    record = json.loads(line)
                except ValueError:
                    log.warning("%s: ignoring unreadable line %d (torn write?)", path, n)
                    continue
                if isinstance(record, dict):
                    records.append(record)
        return records

    def load(self, thread_id: str) -> tuple[Thread, str, list[FileEdit]]:
        """A thread's history, working folder and last applied edits."""
        path = self.path_for(thread_id)
        if not path.is_file():
            raise KeyError(f"unknown thread {thread_id!r}")
        thread = Thread(id=thread_id)
        cwd = ""
        applied: list[FileEdit] = []
        for record in self._records(path):
            kind = record.get("type")
            if kind == "meta":
                thread.title = str(record.get("title") or "")
                thread.created = float(record.get("created") or 0)
                cwd = str(record.get("cwd") or "")
            elif kind == "title":
                thread.title = str(record.get("title") or "")
            elif kind == "item" and isinstance(record.get("item"), dict):
                thread.history.append(record["item"])
            elif kind == "compacted" and isinstance(record.get("history"), list):
                thread.history = list(record["history"])
            elif kind == "applied":
                applied = [edit_from_json(e) for e in record.get("edits", [])]
        return thread, cwd, applied

    def list(self, cwd: Path | None = None, limit: int = 50) -> list[ThreadSummary]:
        """Recent threads, newest first; only those of `cwd` when given."""
        if not self.folder.is_dir():
            return []
        files = sorted(self.folder.glob("*.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True)
        found: list[ThreadSummary] = []
        for path in files:
            try:
                thread, thread_cwd, _ = self.load(path.stem)
            except (KeyError, OSError):
                continue
            if cwd is not None and thread_cwd and thread_cwd != str(cwd):
                continue
            found.append(
                ThreadSummary(
                    thread.id,
                    thread.title,
                    thread_cwd,
                    thread.created,
                    os.path.getmtime(path) if path.exists() else time.time(),
                    len(thread.history),
                )
            )
            if len(found) >= limit:
                break
        return found
