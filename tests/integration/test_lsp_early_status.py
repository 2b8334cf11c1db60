"""`codex.status` before the server has loaded: answered while nothing could have changed it,
left to the server otherwise; and the forked helper hands back every byte it read.

Integration: the status probes the real sandbox (runs bwrap) and the helper is a real fork.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.lsp.rpc.early_helper import HandoffLost, answer_while_loading, decode, encode
from codex_lsp.lsp.rpc.fast_start import EarlyStart, answer_initialize, answer_until_loaded
from codex_lsp.sandbox.bwrap import Bubblewrap
from tests.support.raw_lsp import frame, unframe

CONFIG = """model = "gpt-test"
model_provider = "local"
approval_policy = "untrusted"

[model_providers.local]
name = "Local"
base_url = "http://127.0.0.1:9/v1"
env_key = "EARLY_TEST_KEY"
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "config.toml").write_text(CONFIG)
    monkeypatch.setenv("CODEX_HOME", str(home))
    monkeypatch.setenv("EARLY_TEST_KEY", "sk-early-test")
    return home


def _initialize(root: Path, **params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}, **params}}


def _status(msg_id: int) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": "workspace/executeCommand",
            "params": {"command": "codex.status", "arguments": [{}]}}


INITIALIZED = {"jsonrpc": "2.0", "method": "initialized", "params": {}}


def _read_all(fd: int) -> bytes:
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    return data


def _answer_early(messages: list[dict[str, Any]]) -> tuple[EarlyStart, dict[Any, Any]]:
    """Run the early phase over `messages` (the server "loads" once all are read)."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    loaded_r, loaded_w = os.pipe()
    raw = b"".join(frame(m) for m in messages)
    os.write(in_w, raw)
    os.close(in_w)  # end of input: the early phase stops after the last message
    early = answer_until_loaded(answer_initialize(in_r, out_w), loaded_r, in_r, out_w)
    for fd in (out_w, loaded_w, loaded_r, in_r):
        os.close(fd)
    answers = {a["id"]: a["result"] for a in unframe(_read_all(out_r))}
    os.close(out_r)
    assert early.consumed == raw
    return early, answers


def test_status_right_after_initialize_is_answered_from_the_configuration(
    home: Path, tmp_path: Path
) -> None:
    init = _initialize(tmp_path, initializationOptions={"codex": {"model": "from-options"}})
    early, answers = _answer_early([init, INITIALIZED, _status(2)])
    assert early.answered == [1, 2]
    status = answers[2]
    assert status["status"] == "answered" and status["threadId"] is None
    assert status["config"]["model"] == "from-options"
    assert status["workspace"] == [str(tmp_path.resolve())]
    assert status["auth"]["authSource"] != "none"
    assert status["running"] == [] and status["pendingChanges"] == [] and status["threads"] == 0
    assert "sk-early-test" not in json.dumps(status)


@pytest.mark.parametrize(
    "before",
    [
        {"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
         "params": {"settings": {"codex": {"model": "changed"}}}},
        {"jsonrpc": "2.0", "id": 7, "method": "workspace/executeCommand",
         "params": {"command": "codex.newThread", "arguments": [{}]}},
        {"jsonrpc": "2.0", "method": "workspace/didChangeWorkspaceFolders",
         "params": {"event": {"added": [], "removed": []}}},
    ],
    ids=["settings", "command", "folders"],
)
def test_status_after_anything_that_may_change_it_is_left_to_the_server(
    home: Path, tmp_path: Path, before: dict[str, Any]
) -> None:
    early, answers = _answer_early([_initialize(tmp_path), INITIALIZED, before, _status(2)])
    assert early.answered == [1] and 2 not in answers


@pytest.mark.parametrize("settings", [None, {}])
def test_an_empty_settings_change_keeps_the_status_answerable(
    home: Path, tmp_path: Path, settings: Any
) -> None:
    """Neovim sends its (often empty) settings right after `initialized`."""
    change = {"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
              "params": {"settings": settings}}
    early, _ = _answer_early([_initialize(tmp_path), INITIALIZED, change, _status(2)])
    assert early.answered == [1, 2]


def test_documents_and_code_actions_keep_the_status_answerable(home: Path, tmp_path: Path) -> None:
    uri = (tmp_path / "a.py").as_uri()
    did_open = {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                            "text": "x = 1\n"}}}
    rng = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}
    action = {"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction",
              "params": {"textDocument": {"uri": uri}, "range": rng, "context": {"diagnostics": []}}}
    early, _ = _answer_early([_initialize(tmp_path), INITIALIZED, did_open, action, _status(3)])
    assert early.answered == [1, 2, 3]


@pytest.mark.parametrize(
    "extra",
    ['\n[mcp_servers.files]\ncommand = "true"\n',
     '\n[lsp_servers.py]\ncommand = ["pylsp"]\nfiles = ["*.py"]\n'],
    ids=["mcp", "language-server"],
)
def test_status_with_servers_to_start_is_left_to_the_server(
    home: Path, tmp_path: Path, extra: str
) -> None:
    (home / "config.toml").write_text(CONFIG + extra)
    early, _ = _answer_early([_initialize(tmp_path), INITIALIZED, _status(2)])
    assert early.answered == [1]


def test_the_editors_language_servers_are_reported_as_answering(home: Path, tmp_path: Path) -> None:
    (home / "config.toml").write_text(
        CONFIG + '\n[lsp_servers.py]\ncommand = ["pylsp"]\nfiles = ["*.py"]\n'
    )
    init = _initialize(tmp_path, capabilities={"experimental": {"codexIntel": True}})
    _, answers = _answer_early([init, INITIALIZED, _status(2)])
    assert answers[2]["lspServers"] == {"editor": "answering"}


def test_a_broken_config_is_reported_early_as_the_server_reports_it(
    home: Path, tmp_path: Path
) -> None:
    broken = CONFIG.replace('"untrusted"', '"sometimes"').replace("model =", "modle = 1\nmodel =")
    (home / "config.toml").write_text(broken)
    _, answers = _answer_early([_initialize(tmp_path), INITIALIZED, _status(2)])
    status = answers[2]
    assert status["configError"] and "approval_policy" in status["configError"]
    assert status["config"]["model"] == "gpt-test"  # the valid rest is used
    assert any("modle" in warning for warning in status["warnings"])


# ---- the forked helper -----------------------------------------------------------------


@pytest.fixture
def stdio() -> Iterator[tuple[int, int, int, int]]:
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    yield in_r, in_w, out_r, out_w
    for fd in (in_r, out_r):
        os.close(fd)


def test_the_helper_answers_while_loading_and_hands_back_every_byte(
    home: Path, tmp_path: Path, stdio: tuple[int, int, int, int]
) -> None:
    in_r, in_w, out_r, out_w = stdio
    first = b"".join(frame(m) for m in (_initialize(tmp_path), INITIALIZED, _status(2)))
    os.write(in_w, first)
    answered = threading.Event()
    got = b""

    def load() -> None:  # "loading" lasts until both answers were written by the helper
        nonlocal got
        while len(_frames_complete(got)) < 2:
            got += os.read(out_r, 65536)
        answered.set()

    early = answer_while_loading(load, in_r, out_w)
    os.close(out_w)
    os.close(in_w)
    assert answered.is_set()
    assert [m["id"] for m in unframe(got)] == [1, 2]
    assert early.answered == [1, 2] and early.initialize_id == 1
    assert early.consumed == first
    assert os.read(out_r, 10) == b""  # nothing else was written


def _frames_complete(data: bytes) -> list[dict[str, Any]]:
    try:
        return unframe(data)
    except (ValueError, IndexError):
        return []


def test_a_lost_handoff_is_an_error_not_a_guess() -> None:
    early = EarlyStart(1, b"Content-Length: 2\r\n\r\n{}", [1, "x"])
    assert decode(encode(early)) == EarlyStart(1, early.consumed, [1, "x"])
    for broken in (b"", b"not json\n", b'{"answered": 3}\n'):
        with pytest.raises(HandoffLost):
            decode(broken)


def test_a_slow_sandbox_probe_is_left_to_the_server(tmp_path: Path) -> None:
    """The early loop also answers code actions: it must not wait seconds for `bwrap`."""
    slow = tmp_path / "bwrap"
    slow.write_text("#!/bin/sh\nsleep 1\nexit 3\n")
    slow.chmod(0o755)
    sandbox = Bubblewrap(str(slow))
    assert sandbox.status_within(0.2) is None
    assert "exit 3" in sandbox.status().reason  # the server waits for it
