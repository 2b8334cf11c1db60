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
server's handler uses). Every other message waits for pygls, in order.
The full server adds the actions of pending changes (`lsp.pending_commands`);
none can exist here: a change comes from a command, and commands wait for pygls.

The one setting that changes the capabilities, `inline_completion.enabled`, is read
here too: from the `initializationOptions`, else from `config.toml` (one small TOML
read that skips broken lines as the full load does; it loads later, with pygls).

This module must import nothing heavy: it runs before pygls is loaded.
"""

from __future__ import annotations

import json
import os
import select
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from codex_lsp.lsp.features.code_actions import code_actions_json
from codex_lsp.wire import initialize_result

CODE_ACTION = b"textDocument/codeAction"
STOP_METHODS = ("shutdown", "exit")


@dataclass
class EarlyStart:
    """What was read before pygls took over."""

    initialize_id: int | str | None
    """Id of the `initialize` request already answered (None: nothing answered)."""
    consumed: bytes
    """Every byte read from stdin so far, to be processed by pygls in order."""
    answered: list[int | str] = field(default_factory=list)
    """Ids of every request answered early (`initialize` first), for pygls to skip."""


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
    _write_all(fd_out, _frame({"jsonrpc": "2.0", "id": message["id"], "result": result}))
    return EarlyStart(message["id"], buffer, [message["id"]])


def _write_all(fd: int, data: bytes) -> None:
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
    while True:
        while (found := _frame_end(buffer, pos)) is not None:
            body = bytes(buffer[_body_start(buffer, pos) : found])
            pos = found
            if not _answer(body, fd_out, early.answered):
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


def _answer(body: bytes, fd_out: int, answered: list[int | str]) -> bool:
    """Answer one message if it is a code action; False once the client stops."""
    if CODE_ACTION not in body and not any(m.encode() in body for m in STOP_METHODS):
        return True
    try:
        message = json.loads(body)
    except ValueError:
        return True
    if not isinstance(message, dict):
        return True
    method, msg_id = message.get("method"), message.get("id")
    if method in STOP_METHODS:
        return False
    if method != "textDocument/codeAction" or not isinstance(msg_id, (int, str)):
        return True
    if isinstance(msg_id, bool) or msg_id in answered:
        return True
    actions = code_actions_json(message.get("params"))
    if actions is not None:
        _write_all(fd_out, _frame({"jsonrpc": "2.0", "id": msg_id, "result": actions}))
        answered.append(msg_id)
    return True


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
