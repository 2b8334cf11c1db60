"""Decode `initialize` leniently: values lsprotocol rejects are dropped, not fatal.

Clients send values newer than our lsprotocol knows (a `DiagnosticTag` 3, a
resource operation `copy`) or plain mistakes (`trace: "weird"`). `fast_start`
answers `initialize` before pygls loads and cannot check them, so refusing them
later would answer the same request twice; and one odd capability is no reason
to refuse a session. Each rejected value is removed (a list element, an optional
field) or, for a required field, replaced by `null` then `{}`, until the message
decodes. The caller logs one line naming what was ignored.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import cattrs
from cattrs import Converter

Path = list[str | int]
MAX_ROUNDS = 30
"""Repair rounds before giving up (each round fixes every value reported)."""
_DROP = object()
"""Marks a list element to remove once a round's repairs are done."""
_REPLACEMENTS: tuple[Any, ...] = (None, {})
"""What a required field gets, in turn, when its value cannot be decoded."""


def structure_leniently(
    converter: Converter, data: dict[str, Any], cls: type[Any]
) -> tuple[Any, list[str]]:
    """`cls` decoded from `data` minus what does not decode; and the paths ignored.

    Raises the last decoding error when repairs run out (not seen in practice).
    """
    data = copy.deepcopy(data)
    ignored: list[str] = []
    attempts: dict[tuple[str | int, ...], int] = {}
    for _ in range(MAX_ROUNDS):
        try:
            return converter.structure(data, cls), ignored
        except Exception as exc:
            failures = list(_failures(exc, []))
            if not failures or not all(_repair(data, p, e, attempts) for p, e in failures):
                raise
            _compact(data)
            ignored.extend(_shown(p) for p, _ in failures if _shown(p) not in ignored)
    return converter.structure(data, cls), ignored


def _failures(exc: BaseException, path: Path) -> Iterator[tuple[Path, BaseException]]:
    """Each leaf error of a cattrs validation error, with its attribute/index path."""
    if isinstance(exc, cattrs.ClassValidationError | cattrs.IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            step = note.index if isinstance(note, cattrs.IterableValidationNote) else note.name
            yield from _failures(sub, [*path, step])
        for sub in without:
            yield path, sub
    else:
        yield path, exc


def _repair(
    data: Any, path: Path, exc: BaseException, attempts: dict[tuple[str | int, ...], int]
) -> bool:
    """Remove or replace the value at `path`; False when nothing more can be done."""
    if not path:
        return False
    parent = data
    for step in path[:-1]:
        parent = _child(parent, step)
        if parent is None:
            return False
    last = path[-1]
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        parent[last] = _DROP
        return True
    if not isinstance(parent, dict) or not isinstance(last, str):
        return False
    key = _key(parent, last)
    stage = attempts.get(tuple(path), 0)
    if stage == 0 and isinstance(exc, KeyError):
        stage = 1  # a required field is missing: nothing to remove
    if stage == 0:
        parent.pop(key, None)  # an optional field: absent is fine
    elif stage <= len(_REPLACEMENTS):
        parent[key] = copy.copy(_REPLACEMENTS[stage - 1])  # required: null, then {}
    else:
        return False
    attempts[tuple(path)] = stage + 1
    return True


def _child(value: Any, step: str | int) -> Any:
    if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
        return value[step]
    if isinstance(value, dict) and isinstance(step, str):
        return value.get(_key(value, step))
    return None


def _key(obj: dict[str, Any], name: str) -> str:
    """The JSON key of attribute `name` (`text_document` -> `textDocument`)."""
    wanted = name.replace("_", "").lower()
    for key in obj:
        if isinstance(key, str) and key.replace("_", "").lower() == wanted:
            return key
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


def _compact(value: Any) -> None:
    """Remove the list elements marked for dropping, at any depth."""
    if isinstance(value, dict):
        for item in value.values():
            _compact(item)
    elif isinstance(value, list):
        value[:] = [item for item in value if item is not _DROP]
        for item in value:
            _compact(item)


def _shown(path: Path) -> str:
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path)
