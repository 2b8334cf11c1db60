"""Threads on disk: one append-only JSONL file per thread under `$CODEX_HOME/sessions/`.

Each line is a record: `meta` (first), `item` (a history item), `applied`
(the edits of the last turn that changed files, for undo), `compacted` (the
history was replaced by a summary), `usage` (the thread's token totals so far),
`goal` (the thread's goal and its usage; the last record wins).
Lines are appended and flushed one at a time; a torn last line (a crash
mid-write) is ignored when loading.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from codex_lsp.agent.goal import ThreadGoal
from codex_lsp.agent.thread import Thread, repair_history
from codex_lsp.core.items import ResponseItem, is_item
from codex_lsp.core.protocol import FileEdit
from codex_lsp.jsontext import dumps_utf8

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
        self._sealed: set[str] = set()
        """Threads whose file is known to end with a newline (see `_seal_torn_tail`)."""

    def path_for(self, thread_id: str) -> Path:
        """The JSONL file of a thread (ids are checked so they cannot name other files)."""
        if not thread_id or not set(thread_id) <= SAFE_ID:
            raise KeyError(f"invalid thread id {thread_id!r}")
        return self.folder / f"{thread_id}.jsonl"

    def _append(self, thread_id: str, record: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            data = dumps_utf8(record) + b"\n"
            with open(self.path_for(thread_id), "ab") as fh:
                if thread_id not in self._sealed:
                    _seal_torn_tail(fh)
                    self._sealed.add(thread_id)
                fh.write(data)
                fh.flush()
        except (OSError, ValueError, TypeError) as exc:  # history is a convenience
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

    def append_item(self, thread_id: str, item: ResponseItem) -> None:
        """Record one history item."""
        self._append(thread_id, {"type": "item", "item": item})

    def record_title(self, thread_id: str, title: str) -> None:
        """Record the thread's title once known."""
        self._append(thread_id, {"type": "title", "title": title})

    def record_applied(self, thread_id: str, edits: list[FileEdit]) -> None:
        """Record the edits of the last turn that changed files (for undo)."""
        self._append(thread_id, {"type": "applied", "edits": [edit_to_json(e) for e in edits]})

    def record_compacted(self, thread_id: str, history: list[ResponseItem]) -> None:
        """Record that the history was replaced by a summary."""
        self._append(thread_id, {"type": "compacted", "history": history})

    def record_usage(self, thread_id: str, usage: dict[str, int]) -> None:
        """Record the thread's token usage totals (the last record wins)."""
        self._append(thread_id, {"type": "usage", "usage": usage})

    def record_goal(self, thread_id: str, goal: ThreadGoal) -> None:
        """Record the thread's goal as it is now (the last record wins)."""
        self._append(thread_id, {"type": "goal", "goal": goal.to_record()})

    def _records(self, path: Path) -> list[dict[str, Any]]:
        records = []
        with open(path, encoding="utf-8", errors="replace") as fh:
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
        records = self._records(path)
        if not records or records[0].get("type") != "meta":
            raise KeyError(f"thread {thread_id!r} is damaged (its file has no header record)")
        for record in records:
            kind = record.get("type")
            if kind == "meta":
                thread.title = str(record.get("title") or "")
                thread.created = float(record.get("created") or 0)
                cwd = str(record.get("cwd") or "")
            elif kind == "title":
                thread.title = str(record.get("title") or "")
            elif kind == "item" and is_item(record.get("item")):
                thread.history.append(record["item"])
            elif kind == "compacted" and isinstance(record.get("history"), list):
                thread.history = [i for i in record["history"] if is_item(i)]
            elif kind == "applied":
                applied = _edits(record.get("edits"))
            elif kind == "usage" and isinstance(record.get("usage"), dict):
                thread.usage.update(
                    {k: v for k, v in record["usage"].items() if isinstance(v, int)}
                )
            elif kind == "goal" and isinstance(record.get("goal"), dict):
                thread.goal = ThreadGoal.from_record(record["goal"]) or thread.goal
        repaired = repair_history(thread.history)
        if repaired:
            log.warning("thread %s: repaired %d unmatched tool call item(s)", thread_id, repaired)
        return thread, cwd, applied

    def list(self, cwd: Path | None = None, limit: int = 50) -> list[ThreadSummary]:
        """Recent threads, newest first; only those of `cwd` when given.

        Files without their header record (empty, torn, not ours) are skipped:
        they would show up in every workspace.
        """
        found: list[ThreadSummary] = []
        for path, mtime in _files_newest_first(self.folder):
            try:
                thread, thread_cwd, _ = self.load(path.stem)
            except (KeyError, OSError, ValueError, TypeError):
                continue
            if cwd is not None and thread_cwd != str(cwd):
                continue
            found.append(
                ThreadSummary(
                    thread.id, thread.title, thread_cwd, thread.created, mtime, len(thread.history)
                )
            )
            if len(found) >= limit:
                break
        return found


def _files_newest_first(folder: Path) -> list[tuple[Path, float]]:
    """Thread files with their modification times; files that vanish meanwhile are left out."""
    if not folder.is_dir():
        return []
    stamped: list[tuple[Path, float]] = []
    for path in folder.glob("*.jsonl"):
        try:
            stamped.append((path, path.stat().st_mtime))
        except OSError:
            continue
    return sorted(stamped, key=lambda pair: pair[1], reverse=True)


def _edits(raw: Any) -> list[FileEdit]:
    """The edits of an `applied` record; a malformed one counts as none (undo refuses)."""
    try:
        return [edit_from_json(e) for e in raw or []]
    except (KeyError, TypeError, AttributeError):
        return []


def _seal_torn_tail(fh: BinaryIO) -> None:
    """End a torn last line (a crash mid-write) so the next record starts on its own line."""
    size = fh.seek(0, os.SEEK_END)
    if size == 0:
        return
    with open(fh.name, "rb") as reader:
        reader.seek(size - 1)
        last = reader.read(1)
    if last != b"\n":
        fh.write(b"\n")
