"""Malformed messages: every request is answered, the log gets one line, not a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.raw_lsp import pipe_peer, spawn_server

pytestmark = pytest.mark.e2e

INVALID_PARAMS = -32602


def _range(line: int) -> dict[str, Any]:
    return {"start": {"line": line, "character": 0}, "end": {"line": 0, "character": 0}}


@pytest.fixture
def peer(tmp_path: Path, workspace: Path, editor_env: dict[str, str]) -> Any:
    log = (tmp_path / "stderr.log").open("wb")
    server = spawn_server(editor_env, stderr=log)
    peer = pipe_peer(server)
    peer.initialize(workspace.as_uri())
    yield peer, tmp_path / "stderr.log"
    server.kill()
    server.wait(10)
    log.close()



def test_requests_with_undecodable_params_get_invalid_params(peer: Any, workspace: Path) -> None:
    raw, log_path = peer
    uri = (workspace / "hello.py").as_uri()
    bad = [
        ("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": _range(-1), "context": {"diagnostics": []}}),
        ("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": _range(0)}),
        ("workspace/executeCommand", {"arguments": []}),
        ("workspace/executeCommand", {"command": 5}),
    ]
    before = log_path.stat().st_size
    answers: list[str] = []
    for method, params in bad:
        rid = raw.request(method, params)
        answer = raw.response(rid, timeout=10)
        assert answer["error"]["code"] == INVALID_PARAMS, answer
        assert "\n" not in answer["error"]["message"], answer
        answers.append(answer["error"]["message"])
    assert "$.params.range.start" in answers[0] and "$.params.context" in answers[1], answers
    # A notification with bad params is ignored; the server still answers.
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": 7}})
    ok = raw.response(raw.request("workspace/executeCommand", {"command": "codex.listThreads"}))
    assert ok["result"]["status"] == "answered"
    logged = log_path.read_bytes()[before:].decode()
    assert "Traceback" not in logged
    assert len(logged.splitlines()) <= 2 * (len(bad) + 1), logged
    assert len(logged) < 3000, len(logged)


def test_broken_frames_cost_one_line_each(peer: Any) -> None:
    raw, log_path = peer
    before = log_path.stat().st_size
    raw._write(b"Content-Length: 9\r\n\r\n{not json")
    answer = raw.wait_for(lambda m: m.get("error", {}).get("code") == -32700, timeout=10)
    assert answer["id"] is None
    raw._write(b"Content-Length: banana\r\n\r\n")
    raw._write(b'Content-Length: 12\r\n\r\n["an array"]')
    raw.wait_for(lambda m: m.get("error", {}).get("code") == -32600, timeout=10)
    rid = raw.request("no/suchMethod", {})
    assert raw.response(rid)["error"]["code"] == -32601
    ok = raw.response(raw.request("workspace/executeCommand", {"command": "codex.listThreads"}))
    assert ok["result"]["status"] == "answered"
    logged = log_path.read_bytes()[before:].decode()
    assert "Traceback" not in logged and len(logged) < 3000, logged
