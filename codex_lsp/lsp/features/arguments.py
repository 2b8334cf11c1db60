"""Command arguments as typed values, structured by the strict converter the config uses.

Every command takes one JSON object. A wrong type or a missing field becomes one
`BadArguments` naming the field as the client spells it (`'range.start.line' must
be an integer (got 'x')`, `missing 'uri'`), which the command answers as `failed`; nothing is
coerced (`"5"` is not a line number) and unknown fields are ignored, so newer
editors keep working.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import attrs
from cattrs.gen import make_dict_structure_fn

from codex_lsp.config._structure import InvalidValue, iter_errors, make_converter, render_key

T = TypeVar("T")

_WIRE_NAMES = {
    "thread_id": "threadId",
    "change_id": "changeId",
    "command_id": "commandId",
    "for_session": "forSession",
    "data_url": "dataUrl",
}
"""Fields whose JSON name is camelCase."""

_converter = make_converter()


def _string_or_integer(value: Any, _: Any) -> str | int:
    """A diagnostic `code` is `integer | string` in LSP (a boolean is neither)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValue.expected("a string or an integer", value)
    return value


_converter.register_structure_hook(str | int | None, _string_or_integer)


def _image_arg(value: Any, _: Any) -> Any:
    """`ImageArg` from its camelCase JSON (`dataUrl`), as every other argument object."""
    if not isinstance(value, dict):
        raise InvalidValue.expected("an object", value)
    renamed = {_FROM_WIRE.get(str(key), str(key)): item for key, item in value.items()}
    return _structure_image(renamed, ImageArg)


class BadArguments(Exception):
    """The command's arguments are missing or malformed."""


def _non_negative(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise InvalidValue(f"must be >= 0 (got {value})", attribute.name)


def _non_empty(_: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not value:
        raise InvalidValue("must be a non-empty string (got '')", attribute.name)


@attrs.frozen
class Position:
    """An LSP position (0-based line, UTF-16 column)."""

    line: int = attrs.field(validator=_non_negative)
    character: int = attrs.field(default=0, validator=_non_negative)


@attrs.frozen
class Range:
    """An LSP range."""

    start: Position
    end: Position


@attrs.frozen
class Diagnostic:
    """The diagnostic a "Fix" action is about (as the client reported it)."""

    message: str
    source: str | None = None
    code: str | int | None = None


@attrs.frozen
class ThreadArgs:
    """`{threadId?}`: the thread to work on (default: the current one)."""

    thread_id: str | None = attrs.field(default=None, validator=_non_empty)


@attrs.frozen
class SelectionArgs:
    """`{uri, range, instruction?, diagnostic?, threadId?}`: the selection commands."""

    uri: str = attrs.field(validator=_non_empty)
    range: Range
    instruction: str | None = None
    diagnostic: Diagnostic | None = None
    thread_id: str | None = attrs.field(default=None, validator=_non_empty)


@attrs.frozen
class ContextArg:
    """`{uri, range?}`: a file (or lines of it) the user attached to a prompt."""

    uri: str = attrs.field(validator=_non_empty)
    range: Range | None = None


@attrs.frozen
class ImageArg:
    """`{dataUrl}` (a pasted image) or `{uri}` (an image file) the user attached."""

    data_url: str | None = attrs.field(default=None, validator=_non_empty)
    uri: str | None = attrs.field(default=None, validator=_non_empty)

    def __attrs_post_init__(self) -> None:
        if (self.data_url is None) == (self.uri is None):
            raise InvalidValue("needs one of 'dataUrl' or 'uri'")


@attrs.frozen
class PromptArgs:
    """`{prompt, uri?, range?, context?, images?, threadId?}`: `codex.ask` and `codex.runTask`."""

    prompt: str
    uri: str | None = None
    range: Range | None = None
    context: list[ContextArg] | None = None
    images: list[ImageArg] | None = None
    thread_id: str | None = attrs.field(default=None, validator=_non_empty)


@attrs.frozen
class ReviewArgs:
    """`{scope, uri?, range?, base?, threadId?}`: `codex.review`."""

    scope: Literal["file", "selection", "uncommitted", "baseBranch"] = "file"
    uri: str | None = attrs.field(default=None, validator=_non_empty)
    range: Range | None = None
    base: str | None = attrs.field(default=None, validator=_non_empty)
    thread_id: str | None = attrs.field(default=None, validator=_non_empty)


@attrs.frozen
class ClearFindingsArgs:
    """`{ids?, uri?}`: `codex.clearFindings` (neither: every finding)."""

    ids: list[str] | None = None
    uri: str | None = attrs.field(default=None, validator=_non_empty)


@attrs.frozen
class PendingArgs:
    """`codex.approve` / `codex.reject` / `codex.showDiff` arguments.

    `{changeId?, uri?, hunk?}` for a change, `{commandId?, forSession?}` for a command.
    """

    change_id: str | None = attrs.field(default=None, validator=_non_empty)
    uri: str | None = attrs.field(default=None, validator=_non_empty)
    hunk: int | None = attrs.field(default=None, validator=attrs.validators.optional(_non_negative))
    command_id: str | None = attrs.field(default=None, validator=_non_empty)
    for_session: bool = False


@attrs.frozen
class ToggleArgs:
    """`{enabled?}`: `codex.toggleInlineCompletion` (none: flip)."""

    enabled: bool | None = None


@attrs.frozen
class LoginArgs:
    """`{method?}`: `codex.login` ("browser" or "device"; checked by the command)."""

    method: str = "browser"


_FROM_WIRE = {wire: field for field, wire in _WIRE_NAMES.items()}
_structure_image = make_dict_structure_fn(ImageArg, _converter)
_converter.register_structure_hook(ImageArg, _image_arg)


def argument_object(args: tuple[Any, ...]) -> dict[str, Any]:
    """The one argument object a command takes (none or `[]` from Lua clients: `{}`)."""
    if not args:
        return {}
    first = args[0]
    if first is None or first == []:
        return {}
    if not isinstance(first, dict):
        raise BadArguments(f"expected one argument object, got {type(first).__name__}")
    return first


def structure(cls: type[T], arg: dict[str, Any]) -> T:
    """`arg` as a `cls`, or `BadArguments` naming every field at fault."""
    data = {key: value for key, value in arg.items() if value is not None}
    for field, wire in _WIRE_NAMES.items():
        if wire in data:
            data[field] = data.pop(wire)
    try:
        return _converter.structure(data, cls)
    except Exception as exc:
        problems = [_problem(path, detail) for path, detail in iter_errors(exc)]
        raise BadArguments("; ".join(problems) or str(exc)) from exc


def _problem(path: tuple[str | int, ...], detail: str) -> str:
    key = render_key([_WIRE_NAMES.get(p, p) if isinstance(p, str) else p for p in path])
    if detail == "is required":
        return f"missing '{key}'"
    return f"'{key or 'arguments'}' {detail}"
