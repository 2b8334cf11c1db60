"""Before pygls has loaded, `initialize` and code actions are answered; nothing is lost."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from codex_lsp.lsp.features.code_actions import actions_for, code_actions_json
from codex_lsp.lsp.rpc.fast_start import answer_initialize, answer_until_loaded
from tests.support.raw_lsp import frame, unframe

RANGE = {"start": {"line": 1, "character": 0}, "end": {"line": 3, "character": 4}}


def _code_action(msg_id: Any, **context: Any) -> dict[str, Any]:
    params = {"textDocument": {"uri": "file:///w/a.py"}, "range": RANGE,
              "context": {"diagnostics": [], **context}}
    return {"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/codeAction", "params": params}


def _read_frames(fd: int) -> list[dict[str, Any]]:
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    return unframe(data)


@pytest.fixture
def pipes() -> Iterator[tuple[int, int, int, int, int, int]]:
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    loaded_r, loaded_w = os.pipe()
    yield in_r, in_w, out_r, out_w, loaded_r, loaded_w
    for fd in (in_r, out_r, loaded_r):
        os.close(fd)


def test_code_actions_are_answered_until_the_server_has_loaded(pipes: tuple[int, ...]) -> None:
    in_r, in_w, out_r, out_w, loaded_r, loaded_w = pipes
    did_open = {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": "file:///w/a.py", "text": "x\n" * 50_000}}}
    sent = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        did_open,
        _code_action(2),
        _code_action("three", only=["quickfix"]),
        {**_code_action(4), "params": {"range": RANGE}},  # malformed: left to pygls
        {"jsonrpc": "2.0", "id": 5, "method": "workspace/executeCommand", "params": {}},
    ]
    raw = b"".join(frame(m) for m in sent)
    writer = threading.Thread(target=os.write, args=(in_w, raw))
    writer.start()
    early = answer_initialize(in_r, out_w)
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(answer_until_loaded(early, loaded_r, in_r, out_w)))
    thread.start()
    writer.join()
    thread.join(0.3)
    assert thread.is_alive(), "it must keep answering until the server has loaded"
    os.write(loaded_w, b".")
    thread.join(10)
    for fd in (in_w, out_w, loaded_w):
        os.close(fd)
    answers = _read_frames(out_r)
    assert [a["id"] for a in answers] == [1, 2, "three"]
    assert answers[1]["result"] == actions_for("file:///w/a.py", RANGE, [], None)
    assert answers[2]["result"] == []  # no quick fix without a diagnostic
    assert done[0].answered == [1, 2, "three"]
    assert done[0].consumed == raw  # every byte goes to pygls, in order


def test_nothing_is_answered_after_shutdown(pipes: tuple[int, ...]) -> None:
    in_r, in_w, out_r, out_w, loaded_r, loaded_w = pipes
    sent = [{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}, _code_action(3)]
    os.write(in_w, b"".join(frame(m) for m in sent))
    early = answer_until_loaded(answer_initialize(in_r, out_w), loaded_r, in_r, out_w)
    for fd in (in_w, out_w, loaded_w):
        os.close(fd)
    assert early.answered == [1]
    assert [a["id"] for a in _read_frames(out_r)] == [1]


@pytest.mark.parametrize(
    "params",
    [
        None,
        {"textDocument": {"uri": 1}, "range": RANGE, "context": {"diagnostics": []}},
        {"textDocument": {"uri": "u"}, "range": {"start": {"line": -1, "character": 0},
                                                  "end": {"line": 0, "character": 0}},
         "context": {"diagnostics": []}},
        {"textDocument": {"uri": "u"}, "range": RANGE, "context": {"diagnostics": [{"range": RANGE}]}},
        {"textDocument": {"uri": "u"}, "range": RANGE, "context": {"diagnostics": [], "only": "x"}},
    ],
)
def test_unusual_params_are_left_to_pygls(params: Any) -> None:
    assert code_actions_json(params) is None


def test_diagnostics_become_quick_fixes_first() -> None:
    diag = {"message": "bad\nthing", "severity": 1, "code": 7, "range": RANGE}
    [fix, *rest] = code_actions_json(
        {"textDocument": {"uri": "file:///w/a.py"}, "range": RANGE,
         "context": {"diagnostics": [diag]}}
    ) or []
    assert fix["title"] == "Codex: Fix: bad"
    assert fix["command"]["arguments"][0]["diagnostic"] == {
        "message": "bad\nthing", "source": None, "code": 7, "range": RANGE}
    # The quick fix names the diagnostic it fixes, as the client sent it.
    assert fix["diagnostics"] == [diag]
    assert [a["command"]["command"] for a in rest] == [
        "codex.editSelection", "codex.explain", "codex.addDocstring", "codex.writeTests",
        "codex.review", "codex.review",
    ]


@pytest.mark.parametrize("uri", ["untitled:Untitled-1", "vscode-notebook-cell:/x#1"])
def test_buffers_that_are_not_files_get_no_actions(uri: str) -> None:
    """Every command works on a workspace file: an untitled buffer could not be served."""
    diag = {"message": "bad", "range": RANGE}
    params = {"textDocument": {"uri": uri}, "range": RANGE, "context": {"diagnostics": [diag]}}
    assert code_actions_json(params) == []
