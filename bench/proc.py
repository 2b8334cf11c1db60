"""Memory of a process (and its descendants) from /proc; page-cache eviction for cold starts."""

from __future__ import annotations

import os
from pathlib import Path


def _status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def descendants(pid: int) -> list[int]:
    """Pids of all live descendants of `pid` (children of children too)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def memory_mb(pid: int) -> dict[str, float | int | None]:
    """VmHWM (peak RSS) and VmRSS of `pid`, and the same summed over its live tree."""
    hwm = _status_kb(pid, "VmHWM")
    rss = _status_kb(pid, "VmRSS")
    kids = descendants(pid)
    tree_hwm = (hwm or 0) + sum(_status_kb(k, "VmHWM") or 0 for k in kids)
    tree_rss = (rss or 0) + sum(_status_kb(k, "VmRSS") or 0 for k in kids)
    return {
        "hwm_mb": None if hwm is None else hwm / 1024,
        "rss_mb": None if rss is None else rss / 1024,
        "tree_hwm_mb": tree_hwm / 1024,
        "tree_rss_mb": tree_rss / 1024,
        "children": len(kids),
    }


def evict_from_page_cache(paths: list[Path]) -> int:
    """Drop these files' cached pages (`posix_fadvise DONTNEED`), for a cold start.

    Only the program's own files are touched, so other processes on the machine
    keep their caches; pages a running process has mapped stay. Returns the
    number of bytes asked to be dropped.
    """
    total = 0
    for root in paths:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                size = os.fstat(fd).st_size
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                total += size
            except OSError:
                pass
            finally:
                os.close(fd)
    return total
