"""Answer `initialize` and code actions while the language server is still loading.

Importing pygls and lsprotocol takes most of a second on a slow machine, and
our capabilities depend on little the client sends, so the CLI reads
the first message itself, answers `initialize` from `codex_lsp.wire` (the one
source the server registers from too), and hands the message (and any bytes
read after it) to pygls once it has loaded. pygls then processes `initialize`
as usual (workspace folders, initializationOptions) with its own reply
suppressed. A test checks that this answer equals the one pygls computes.

Until pygls has loaded, `textDocument/codeAction` requests are answered too:
code actions depend on the request alone (`lsp.code_actions`, the function the
server's handler uses). So is `codex.status` while nothing but documents and
code actions came before it (`early_status`: the configuration files and the
`initialize` request are then all it depends on). Every other message waits for
pygls, in order. The full server adds the actions of pending changes
(`lsp.pending_commands`); none can exist here: a change comes from a command,
and commands other than `codex.status` wait for pygls.

The one setting that changes the capabilities, `inline_completion.enabled`, is read
here too: from the `initializationOptions`, else from `config.toml` (one small TOML
read that skips broken lines as the full load does; it loads later, with pygls).

This module must import nothing heavy: it runs before pygls is loaded.
"""

from __future__ import annotations

import json
import os
import select
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from codex_lsp import wire
from codex_lsp.lsp.features.code_actions import code_actions_json
from codex_lsp.wire import initialize_result

CODE_ACTION = b"textDocument/codeAction"
STOP_METHODS = ("shutdown", "exit")
STATUS_KEEPING = frozenset(
    {
        "initialized",
        "textDocument/didOpen",
        "textDocument/didChange",
        "textDocument/didSave",
        "textDocument/didClose",
        "textDocument/willSave",
        "textDocument/codeAction",
        "$/setTrace",
        "$/cancelRequest",
    }
)
"""Messages after which `codex.status` still says what it said after `initialize`."""
SANDBOX_PROBE_SEC = 0.25
"""Longest wait for the sandbox probe before the server has loaded (code actions wait too)."""


@dataclass
class EarlyStart:
    """What was read before pygls took over."""

    initialize_id: int | str | None
    """Id of the `initialize` request already answered (None: nothing answered)."""
    consumed: bytes
    """Every byte read from stdin so far, to be processed by pygls in order."""
    answered: list[int | str] = field(default_factory=list)
    """Ids of every request answered early (`initialize` first), for pygls to skip."""
    initialize_params: Any = None
    """The `initialize` request's params (what an early `codex.status` depends on)."""


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def answer_initialize(fd_in: int = 0, fd_out: int = 1, limit: int = 16 << 20) -> EarlyStart:
    """Read the first message; if it is `initialize`, answer it at once."""
    buffer = b""
    while True:
        header_end = buffer.find(b"\r\n\r\n")
        if header_end >= 0:
            length = _content_length(buffer[:header_end])
            if length is None:
                return EarlyStart(None, buffer)
            body_start = header_end + 4
            if len(buffer) >= body_start + length:
                break
        if len(buffer) > limit:
            return EarlyStart(None, buffer)
        chunk = os.read(fd_in, 65536)
        if not chunk:
            return EarlyStart(None, buffer)
        buffer += chunk
    try:
        message = json.loads(buffer[body_start : body_start + length])
    except ValueError:
        return EarlyStart(None, buffer)
    msg_id = message.get("id") if isinstance(message, dict) else None
    if (
        not isinstance(message, dict)
        or message.get("method") != "initialize"
        or message.get("jsonrpc") != "2.0"
        or not isinstance(msg_id, int | str)
        or isinstance(msg_id, bool)
    ):
        return EarlyStart(None, buffer)  # pygls answers it (or refuses it) as usual
    capabilities = _get(message, "params", "capabilities")
    inline = inline_completion_requested(_get(message, "params", "initializationOptions"))
    result = initialize_result(capabilities, inline)
    write_all(fd_out, _frame({"jsonrpc": "2.0", "id": message["id"], "result": result}))
    return EarlyStart(message["id"], buffer, [message["id"]], message.get("params"))


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` (a pipe may take it in parts)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def answer_until_loaded(
    early: EarlyStart, loaded_fd: int, fd_in: int = 0, fd_out: int = 1, limit: int = 16 << 20
) -> EarlyStart:
    """After `initialize`: answer code actions until `loaded_fd` is readable (pygls is up).

    Returns with every byte read (pygls processes them all, skipping the
    replies already sent). Stops early at `shutdown`/`exit`, at end of input,
    or when more than `limit` bytes are waiting.
    """
    if early.initialize_id is None:
        return early
    buffer = bytearray(early.consumed)
    pos = _frame_end(buffer, 0) or len(buffer)
    answers = _EarlyAnswers(early, fd_out)
    while True:
        while (found := _frame_end(buffer, pos)) is not None:
            body = bytes(buffer[_body_start(buffer, pos) : found])
            pos = found
            if not answers.answer(body):
                return EarlyStart(early.initialize_id, bytes(buffer), early.answered)
        if len(buffer) > limit:
            break
        ready, _, _ = select.select([fd_in, loaded_fd], [], [])
        if loaded_fd in ready:
            break
        chunk = os.read(fd_in, 65536)
        if not chunk:
            break
        buffer += chunk
    return EarlyStart(early.initialize_id, bytes(buffer), early.answered)


class _EarlyAnswers:
    """Answers code actions, and `codex.status` while the server's state is still fresh."""

    def __init__(self, early: EarlyStart, fd_out: int) -> None:
        self.early = early
        self.fd_out = fd_out
        self.fresh = True
        """Nothing that could change the status has come (see `STATUS_KEEPING`)."""

    def answer(self, body: bytes) -> bool:
        """Answer one message if it can be; False once the client stops."""
        if not self.fresh and CODE_ACTION not in body and not _may_stop(body):
            return True  # cheap path: no need to parse what will not be answered
        try:
            message = json.loads(body)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            self.fresh = False
            return True
        method, msg_id = message.get("method"), message.get("id")
        if method in STOP_METHODS:
            return False
        if not isinstance(msg_id, int | str) or isinstance(msg_id, bool):
            msg_id = None
        if method == "textDocument/codeAction":
            self._reply(msg_id, code_actions_json(message.get("params")))
        elif method == "workspace/executeCommand" and _asks_status(message):
            self._reply(msg_id, self._status())
        elif method not in STATUS_KEEPING and not _empty_settings(message):
            self.fresh = False
        return True

    def _status(self) -> Any:
        if not self.fresh:
            return None
        try:
            probe = _SandboxProbe()  # `bwrap` runs while the status code loads
            from codex_lsp.lsp.rpc.early_status import early_status

            return early_status(self.early.initialize_params, probe.result)
        except Exception:  # the server answers it, and reports what went wrong
            self.fresh = False
            return None

    def _reply(self, msg_id: int | str | None, result: Any) -> None:
        if msg_id is None or msg_id in self.early.answered or result is None:
            return
        write_all(self.fd_out, _frame({"jsonrpc": "2.0", "id": msg_id, "result": result}))
        self.early.answered.append(msg_id)


class _SandboxProbe:
    """The sandbox probe (`bwrap true`, a few ms) in a thread, started before the status loads.

    Given up after `SANDBOX_PROBE_SEC`: a slow probe is the loaded server's to wait for.
    """

    def __init__(self) -> None:
        self._status: Any = None
        self._done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            from codex_lsp.sandbox.bwrap import default_sandbox

            self._status = default_sandbox().status_within(SANDBOX_PROBE_SEC)
        finally:
            self._done.set()

    def result(self) -> Any:
        """The `SandboxStatus`, or None if it was not had in time."""
        self._done.wait()
        return self._status


def _asks_status(message: dict[str, Any]) -> bool:
    """`codex.status` (whatever its arguments: the server ignores them too)."""
    command: object = _get(message, "params", "command")
    return command == wire.STATUS


def _empty_settings(message: dict[str, Any]) -> bool:
    """A settings change that changes nothing (the server ignores empty settings too)."""
    if message.get("method") != "workspace/didChangeConfiguration":
        return False
    settings = _get(message, "params", "settings")
    return not (isinstance(settings, dict) and settings)


def _may_stop(body: bytes) -> bool:
    return any(m.encode() in body for m in STOP_METHODS)


def _body_start(buffer: bytearray, pos: int) -> int:
    return buffer.find(b"\r\n\r\n", pos) + 4


def _frame_end(buffer: bytearray, pos: int) -> int | None:
    """End of the complete frame starting at `pos`; None if it is not all there (or bad)."""
    header_end = buffer.find(b"\r\n\r\n", pos)
    if header_end < 0:
        return None
    length = _content_length(bytes(buffer[pos:header_end]))
    if length is None or len(buffer) < header_end + 4 + length:
        return None
    return header_end + 4 + length


def inline_completion_requested(init_options: Any, env: Mapping[str, str] = os.environ) -> bool:
    """`inline_completion.enabled` as the configuration will have it (default off).

    The client's options win (as overrides do over `config.toml`); profiles do not
    carry the key, so the file's top-level table is the rest of the answer.
    """
    section = init_options if isinstance(init_options, dict) else {}
    if isinstance(section.get("codex"), dict):
        section = section["codex"]
    for key in ("inline_completion", "inlineCompletion"):
        enabled = _get(section, key, "enabled")
        if isinstance(enabled, bool):
            return enabled
    home = env.get("CODEX_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".codex")
    try:
        with open(os.path.join(home, "config.toml"), "rb") as fh:
            text = fh.read().decode("utf-8")
    except (OSError, ValueError):
        return False
    from codex_lsp.toml_salvage import salvage  # as the full load reads a file with a typo

    data, _broken = salvage(text)
    return _get(data, "inline_completion", "enabled") is True


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _content_length(header: bytes) -> int | None:
    for line in header.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return None
    return None
