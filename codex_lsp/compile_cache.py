"""A per-user cache of the code attrs generates, so lsprotocol loads in about half the time.

Importing `lsprotocol.types` defines ~570 attrs classes, and attrs writes and
`compile()`s the source of each one's `__init__`, `__eq__`, ... at every start:
about half of the server's start-up. The generated source depends only on the
installed versions, so its compiled code is kept like a `.pyc`: next to ours
(`codex_lsp/__pycache__`), else in `$XDG_CACHE_HOME/codex-lsp` when the install is
read-only; one file per Python version, keyed by the exact source, filename and
compiler flags (a different source is simply compiled). Only a file owned by this
user or root that nobody else may write is read, as for a `.pyc`. Only the entries
used by this start are written back, so upgrades never make the file grow.
Anything unexpected (no attrs, an attrs that compiles elsewhere, an unreadable
file) means an ordinary import.
"""

from __future__ import annotations
import __future__

import builtins
import logging
import marshal
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType
from typing import Any

log = logging.getLogger(__name__)

_FUTURE_FLAGS = 0
for _name in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _name).compiler_flag
Key = tuple[str, str, str, int]


def cache_files(env: dict[str, str] | None = None) -> list[Path]:
    """Where the compiled code may be kept for this interpreter, preferred first."""
    env = dict(os.environ) if env is None else env
    name = f"attrs-code.{sys.implementation.cache_tag or 'python'}.{sys.hexversion:x}.marshal"
    base = env.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return [Path(__file__).parent / "__pycache__" / name, Path(base) / "codex-lsp" / name]


@contextmanager
def attrs_code_cache(paths: list[Path] | None = None) -> Iterator[None]:
    """While this is entered, attrs reuses (and records) compiled code kept in `paths`."""
    try:
        import attr._make as make
    except ImportError:
        yield
        return
    if "compile" in vars(make):  # entered already (another thread): compile as usual
        yield
        return
    paths = cache_files() if paths is None else paths
    stored: dict[Key, CodeType] = {}
    for path in paths:
        stored = _read(path)
        if stored:
            break
    used: dict[Key, CodeType] = {}

    def cached_compile(
        source: Any, filename: Any, mode: str, flags: int = 0, dont_inherit: bool = False,
        optimize: int = -1,
    ) -> Any:
        if not dont_inherit:  # what `compile` would take from attrs' own frame
            flags |= sys._getframe(1).f_code.co_flags & _FUTURE_FLAGS
        if not isinstance(source, str) or not isinstance(filename, str) or optimize != -1:
            return builtins.compile(source, filename, mode, flags, True, optimize)
        key = (source, filename, mode, flags)
        code = stored.get(key)
        if code is None:
            code = builtins.compile(source, filename, mode, flags, True)
        used[key] = code
        return code

    make.compile = cached_compile  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del make.compile  # type: ignore[attr-defined]
        if used and used.keys() != stored.keys():
            any(_write(path, used) for path in paths)


def _read(path: Path) -> dict[Key, CodeType]:
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if info.st_uid not in (os.getuid(), 0) or info.st_mode & 0o022:
                return {}  # only code this user wrote, like an own .pyc
            data = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if _is_entry(k, v)}


def _is_entry(key: object, value: object) -> bool:
    return isinstance(key, tuple) and len(key) == 4 and isinstance(value, CodeType)


def _write(path: Path, entries: dict[Key, CodeType]) -> bool:
    """Replace `path` atomically; False when it cannot be written there."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = os.lstat(path.parent)
        if not stat.S_ISDIR(folder.st_mode) or folder.st_uid not in (os.getuid(), 0):
            return False
        import tempfile

        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".attrs-code-")
        try:
            with os.fdopen(fd, "wb") as f:
                marshal.dump(entries, f)
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except (OSError, ValueError) as exc:
        log.debug("could not keep the compiled attrs code in %s: %s", path, exc)
        return False
    return True
