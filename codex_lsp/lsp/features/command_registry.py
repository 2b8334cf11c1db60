"""`workspace/executeCommand`: one registration per command, one way to run it.

    @command(wire.EXPLAIN, SelectionArgs)
    async def explain(session: Session, args: SelectionArgs) -> CommandResult: ...

`run_command` structures the raw arguments into the command's type with the strict
converter (`arguments.structure`), runs the handler, and turns `BadArguments` and
crashes into a `failed` answer (one line; the traceback only in the log). A failure
is also shown to editors that drop command results (`failures.report_failure`).
The table is filled when the feature modules are imported (`command_table`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, overload

import attrs

from codex_lsp.jsontext import one_line
from codex_lsp.lsp.features.arguments import BadArguments, argument_object, structure
from codex_lsp.lsp.features.command_results import CommandResult, failed
from codex_lsp.lsp.features.failures import report_failure

if TYPE_CHECKING:
    from codex_lsp.lsp.session.session import Session

log = logging.getLogger(__name__)

A = TypeVar("A")


@attrs.frozen
class NoArgs:
    """A command that takes no arguments (whatever the client sends is ignored)."""


Handler = Callable[["Session", A], Awaitable[CommandResult]]


@dataclass(frozen=True)
class Command:
    """A command id, the type its arguments are structured into, and its handler."""

    name: str
    args: type[Any]
    handler: Handler[Any]


COMMANDS: dict[str, Command] = {}
"""Every registered command by id (see `command_table.commands` for the full table)."""


@overload
def command(name: str) -> Callable[[Handler[NoArgs]], Handler[NoArgs]]: ...


@overload
def command(name: str, args: type[A]) -> Callable[[Handler[A]], Handler[A]]: ...


def command(name: str, args: type[Any] = NoArgs) -> Callable[[Handler[Any]], Handler[Any]]:
    """Register the decorated handler for command `name`, taking `args`."""

    def register(handler: Handler[Any]) -> Handler[Any]:
        if name in COMMANDS:
            raise ValueError(f"command {name} registered twice")
        COMMANDS[name] = Command(name, args, handler)
        return handler

    return register


def parse_arguments(cmd: Command, raw: tuple[Any, ...]) -> Any:
    """The client's arguments as `cmd.args`; `BadArguments` says what is wrong."""
    if cmd.args is NoArgs:
        return NoArgs()
    return structure(cmd.args, argument_object(raw))


async def run_command(session: Session, cmd: Command, raw: tuple[Any, ...]) -> dict[str, Any]:
    """Run one command and answer its JSON result; never raises for a handler's crash."""
    try:
        result = await cmd.handler(session, parse_arguments(cmd, raw))
    except BadArguments as exc:
        result = failed(str(exc))
    except Exception as exc:
        log.exception("command %s failed", cmd.name)
        reason = f"Internal error in {cmd.name}: {one_line(exc)} (details in the server log)"
        result = failed(reason)
    report_failure(session.client, cmd.name, result)
    return result.to_json()
