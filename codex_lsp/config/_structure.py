"""Strict cattrs structuring for config data, plus error-path extraction.

cattrs' default hooks are lenient on purpose (``str(5)``, ``int("4")``,
``list("abc")``), which would quietly turn a typo in ``config.toml`` into a
surprising value. Config files deserve the opposite: every scalar must already
have the right TOML/JSON type, and every failure must name the dotted key that
caused it. This module owns both halves so :mod:`model` and :mod:`loader` stay
declarative.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

import attrs
import cattrs
from cattrs.cols import list_structure_factory, mapping_structure_factory
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn

#: One step in a key path: a table key (str) or an array index (int).
PathPart = str | int

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class InvalidValue(ValueError):
    """A config value that has the wrong type or is out of range.

    Raised by the strict hooks and by model validators; carries the phrase to
    show after the key (``must be an integer (got 'four')``) so the loader can
    prefix the dotted key and the source without re-deriving what went wrong.
    """

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        #: Text that follows the quoted key in the final message.
        self.detail = detail
        #: Attribute name to append to the path (set by attrs validators, whose
        #: errors cattrs attributes to the enclosing table rather than the field).
        self.field = field

    @classmethod
    def expected(cls, what: str, value: object, field: str | None = None) -> InvalidValue:
        """Build the common ``must be <what> (got <value>)`` form."""
        return cls(f"must be {what} (got {describe_value(value)})", field)


def describe_value(value: object) -> str:
    """Render a bad value briefly, in TOML terms, without dumping whole tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def type_phrase(tp: Any) -> str:
    """Describe a type the way a config author thinks of it ("an integer")."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in args)
    if origin is list:
        return f"an array of {_plural(args[0])}" if args else "an array"
    if origin is dict:
        return f"a table of {_plural(args[1])}" if len(args) == 2 else "a table"
    if attrs.has(tp):
        return "a table"
    return getattr(tp, "__name__", repr(tp))


def _plural(tp: Any) -> str:
    """Plural noun for an element type, used inside "an array of ..."."""
    return {str: "strings", int: "integers", float: "numbers", bool: "booleans"}.get(tp, "tables")


def _structure_str(value: Any, _: type) -> str:
    """Accept only real strings: ``model = 5`` is a mistake, not ``"5"``."""
    if isinstance(value, str):
        return value
    raise InvalidValue.expected("a string", value)


def _structure_bool(value: Any, _: type) -> bool:
    """Accept only booleans: ``"false"`` would otherwise be truthy."""
    if isinstance(value, bool):
        return value
    raise InvalidValue.expected("true or false", value)


def _structure_int(value: Any, _: type) -> int:
    """Accept integers (and integral floats, which JSON clients may send)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise InvalidValue.expected("an integer", value)


def _structure_float(value: Any, _: type) -> float:
    """Accept any TOML/JSON number, but not booleans or numeric strings."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise InvalidValue.expected("a number", value)


def _is_literal(tp: Any) -> bool:
    return typing.get_origin(tp) is Literal


def _structure_literal(value: Any, tp: Any) -> Any:
    """Check membership by type *and* value, so ``1`` never matches ``True``."""
    for allowed in typing.get_args(tp):
        if type(allowed) is type(value) and allowed == value:
            return value
    raise InvalidValue.expected(type_phrase(tp), value)


def _is_list(tp: Any) -> bool:
    return typing.get_origin(tp) is list


def _is_dict(tp: Any) -> bool:
    return typing.get_origin(tp) is dict


Hook = Callable[[Any, Any], Any]


def _list_factory(tp: Any, converter: cattrs.Converter) -> Hook:
    """Lists must be arrays; cattrs alone would happily split a string."""
    inner = list_structure_factory(tp, converter)

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise InvalidValue.expected(type_phrase(tp), value)
        return inner(value, tp)

    return hook


def _dict_factory(tp: Any, converter: cattrs.Converter) -> Hook:
    """Dicts must be tables, reported as such instead of an AttributeError."""
    inner = mapping_structure_factory(tp, converter)

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise InvalidValue.expected(type_phrase(tp), value)
        return inner(value, tp)

    return hook


def _attrs_factory(cls: Any, converter: cattrs.Converter) -> Hook:
    """Sections must be tables; keys we do not model are ignored (and warned elsewhere)."""
    inner = make_dict_structure_fn(cls, converter)

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise InvalidValue.expected("a table", value)
        return inner(value, cls)

    return hook


def make_converter() -> cattrs.Converter:
    """Build the strict converter used for every config source."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook_func(_is_literal, _structure_literal)
    converter.register_structure_hook_factory(_is_list, lambda tp: _list_factory(tp, converter))
    converter.register_structure_hook_factory(_is_dict, lambda tp: _dict_factory(tp, converter))
    converter.register_structure_hook_factory(attrs.has, lambda tp: _attrs_factory(tp, converter))
    return converter


def iter_errors(
    exc: BaseException, path: tuple[PathPart, ...] = ()
) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    """Flatten a cattrs error tree into ``(key path, detail)`` pairs.

    This follows the same traversal as :func:`cattrs.transform_error` but keeps
    the path as structured parts (so keys containing dots can be quoted) and
    produces config-author wording instead of Python type names.
    """
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            yield from iter_errors(sub, (*path, note.name))
        for sub in without:
            yield from iter_errors(sub, path)
    elif isinstance(exc, IterableValidationError):
        iter_notes, iter_without = exc.group_exceptions()
        for sub, inote in iter_notes:
            yield from iter_errors(sub, (*path, inote.index))
        for sub in iter_without:
            yield from iter_errors(sub, path)
    elif isinstance(exc, InvalidValue):
        yield ((*path, exc.field) if exc.field else path), exc.detail
    elif isinstance(exc, KeyError):
        yield path, "is required"
    elif isinstance(exc, BaseExceptionGroup):
        for member in exc.exceptions:
            yield from iter_errors(member, path)
    else:
        yield path, f"is invalid ({exc})"


def render_key(path: Sequence[PathPart]) -> str:
    """Render a key path as TOML would spell it: ``mcp_servers."my.srv".args[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if _BARE_KEY.match(part) else '"' + part.replace('"', '\\"') + '"'
        out = f"{out}.{text}" if out else text
    return out
