"""The base of every command's answer: `CommandResult` and its JSON form.

Apart from the results of each command (`command_results`) so that `codex.status`,
answered before the server has loaded (`rpc.early_status`), defines only its own.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Final

import attrs

if TYPE_CHECKING:
    from codex_lsp.core.protocol import TurnStatus as Status


class Unset(enum.Enum):
    """A field the answer leaves out (not `null`)."""

    UNSET = 0


UNSET: Final = Unset.UNSET

FLATTEN = {"flatten": True}
"""Field metadata: a mapping whose keys are sent at the top level of the answer."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def to_json(value: Any) -> Any:
    """A result (or a value inside one) as the JSON the client receives."""
    if attrs.has(type(value)):
        out: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            if item is UNSET:
                continue
            if field.metadata.get("flatten"):
                out.update(to_json(item))
            else:
                out[_camel(field.name)] = to_json(item)
        return out
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return value


@attrs.define(kw_only=True)
class CommandResult:
    """The fields every command answers (`threadId` only where a thread is involved)."""

    status: Status
    thread_id: str | Unset | None = UNSET
    error: str | Unset = UNSET

    def to_json(self) -> dict[str, Any]:
        """The answer as sent on the wire."""
        out: dict[str, Any] = to_json(self)
        return out


def failed(message: str, thread_id: str | None = None) -> CommandResult:
    """The `failed` answer every command gives when it cannot do its work."""
    return CommandResult(status="failed", thread_id=thread_id, error=message)
