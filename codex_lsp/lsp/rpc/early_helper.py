"""Early answers from a forked helper process while this process loads the server.

Answering early from a thread shares one interpreter lock with the import of
pygls and lsprotocol: both go at about half speed. Forked before anything heavy
is loaded, a helper process answers `initialize`, code actions and `codex.status`
(`fast_start`) on another core while this process imports. When the server has
loaded, this process says so on a pipe; the helper stops reading, sends back every
byte it read and the ids it answered, and exits. The process the editor started
(same pid, same pipes) then serves, starting with those bytes.

Where there is no `fork` (Windows), the helper is a thread, as before.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
from collections.abc import Callable

from codex_lsp.lsp.rpc.fast_start import (
    EarlyStart,
    answer_initialize,
    answer_until_loaded,
    write_all,
)

log = logging.getLogger(__name__)


class HandoffLost(RuntimeError):
    """The helper ended without handing back what it read: the stream cannot go on."""


def answer_while_loading(load: Callable[[], None], fd_in: int = 0, fd_out: int = 1) -> EarlyStart:
    """Run `load()` here while early requests on `fd_in` are answered; what was read."""
    if not hasattr(os, "fork"):
        return _in_thread(load, fd_in, fd_out)
    loaded_r, loaded_w = os.pipe()
    handoff_r, handoff_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: never returns
        os.close(loaded_w)
        os.close(handoff_r)
        _helper(loaded_r, handoff_w, fd_in, fd_out)
    os.close(loaded_r)
    os.close(handoff_w)
    try:
        load()
    finally:  # the helper stops and hands back even when loading failed: reap it
        _say_loaded(loaded_w)
        handoff = _read_all(handoff_r)
        os.close(handoff_r)
        os.waitpid(pid, 0)
    return decode(handoff)


def _helper(loaded_fd: int, handoff_fd: int, fd_in: int, fd_out: int) -> None:
    gc.disable()  # short-lived, allocates little garbage: collections would only cost time
    code = 0
    try:
        early = answer_initialize(fd_in, fd_out)
        early = answer_until_loaded(early, loaded_fd, fd_in, fd_out)
        write_all(handoff_fd, encode(early))
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing the parent's buffers


def _in_thread(load: Callable[[], None], fd_in: int, fd_out: int) -> EarlyStart:
    loaded_r, loaded_w = os.pipe()

    def run() -> None:
        try:
            load()
        finally:
            _say_loaded(loaded_w)

    loader = threading.Thread(target=run, daemon=True)
    loader.start()
    early = answer_initialize(fd_in, fd_out)
    early = answer_until_loaded(early, loaded_r, fd_in, fd_out)
    loader.join()
    os.close(loaded_r)
    return early


def encode(early: EarlyStart) -> bytes:
    """One JSON line (the ids answered), then the bytes read as they came."""
    head = {"initializeId": early.initialize_id, "answered": early.answered}
    return json.dumps(head).encode() + b"\n" + early.consumed


def decode(data: bytes) -> EarlyStart:
    """What `encode` wrote; `HandoffLost` if the helper wrote nothing whole."""
    head, newline, consumed = data.partition(b"\n")
    try:
        fields = json.loads(head) if newline else None
    except ValueError:
        fields = None
    if not isinstance(fields, dict) or not isinstance(fields.get("answered"), list):
        raise HandoffLost("the early-answer helper ended without handing back what it read")
    return EarlyStart(fields.get("initializeId"), consumed, list(fields["answered"]))


def _say_loaded(fd: int) -> None:
    try:
        os.write(fd, b".")
    except BrokenPipeError:
        pass  # the helper stopped already (the client sent `shutdown`, or input ended)
    finally:
        os.close(fd)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)
