"""Protocol edges seen in probes (issue 19): one answer per request, order, lifecycle.

Raw JSON-RPC against the real server process: every message with an id gets
exactly one answer (an unknown method is the barrier: the server handles
messages in order, so a second answer would come before its answer), nothing precedes
the `initialize` answer, requests before `initialize` get `ServerNotInitialized`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import write_config
from tests.support.lsp_client import REPO
from tests.support.model_server import ScriptedModelServer
from tests.support.raw_lsp import RawPeer, frame, pipe_peer, socket_peer

pytestmark = pytest.mark.e2e

INVALID_REQUEST = -32600
SERVER_NOT_INITIALIZED = -32002


def start(env: dict[str, str], early: bool) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "codex_lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env, "CODEX_LSP_EARLY_INITIALIZE": "1" if early else "0"},
        cwd=str(REPO),
    )


def exchange(
    env: dict[str, str], early: bool, messages: list[dict[str, Any]], wait: tuple[Any, ...] = ()
) -> list[dict[str, Any]]:
    """Send `messages` at once, then a barrier; everything received up to its answer.

    The barrier is an unknown method: refused at once, in order (after pygls has
    loaded: the fast start never answers it). Requests answered later (commands)
    are named in `wait`.
    """
    server = start(env, early)
    try:
        assert server.stdin is not None
        server.stdin.write(b"".join(frame(m) for m in messages))
        server.stdin.flush()
        peer = pipe_peer(server)
        peer.seen = []
        peer.send({"jsonrpc": "2.0", "id": "barrier", "method": "test/barrier"})
        for msg_id in ("barrier", *wait):
            peer.response(msg_id, timeout=30)
        return [m for m in peer.seen if m.get("id") != "barrier"]
    finally:
        server.kill()
        server.wait(10)


def answers_to(received: list[dict[str, Any]], msg_id: Any) -> list[dict[str, Any]]:
    return [m for m in received if m.get("id") == msg_id and "method" not in m]


def initialize(workspace: Path, **params: Any) -> dict[str, Any]:
    body = {"processId": None, "rootUri": workspace.as_uri(), "capabilities": {}, **params}
    return {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": body}


ODD_INITIALIZE = {
    "unknown-diagnostic-tag": {
        "capabilities": {"textDocument": {"publishDiagnostics": {"tagSupport": {"valueSet": [1, 2, 3]}}}}
    },
    "resource-operation-copy": {
        "capabilities": {"workspace": {"applyEdit": True,
                                       "workspaceEdit": {"resourceOperations": ["create", "copy"]}}}
    },
    "trace-weird": {"trace": "weird"},
    "will-save-not-a-boolean": {
        "capabilities": {"textDocument": {"synchronization": {"willSave": "yes", "willSaveWaitUntil": True}}}
    },
    "invalid-init-option": {
        "initializationOptions": {"inline_completion": {"enabled": True}, "approval_policy": "sometimes"}
    },
}


@pytest.mark.parametrize("case", sorted(ODD_INITIALIZE))
def test_odd_initialize_is_answered_once_with_the_same_capabilities_both_ways(
    case: str, workspace: Path, editor_env: dict[str, str]
) -> None:
    results = []
    for early in (True, False):
        received = exchange(editor_env, early, [initialize(workspace, **ODD_INITIALIZE[case])])
        [answer] = answers_to(received, 1)
        assert "result" in answer, answer
        results.append(answer["result"])
    assert results[0] == results[1]
    if case == "invalid-init-option":
        assert "inlineCompletionProvider" in results[0]["capabilities"]


def test_nothing_is_sent_before_the_initialize_answer(
    workspace: Path, editor_env: dict[str, str]
) -> None:
    """Without the fast start (TCP, daemon children) the handler's messages wait for the answer.

    No API key: the handler says so (`codex/event authRequired`, a message).
    """
    env = {**editor_env, "CODEX_TEST_KEY": ""}
    received = exchange(env, False, [initialize(workspace)])
    assert received and received[0].get("id") == 1 and "result" in received[0], received[:2]
    events = [m for m in received if m.get("method") == "codex/event"]
    assert any(e["params"]["type"] == "authRequired" for e in events), received


def test_nothing_is_sent_before_the_initialize_answer_over_tcp(
    workspace: Path, editor_env: dict[str, str]
) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "codex_lsp", "--tcp", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, **editor_env, "CODEX_TEST_KEY": ""}, cwd=str(REPO),
    )
    try:
        assert server.stderr is not None
        port = None
        for _ in range(50):
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", server.stderr.readline().decode())
            if found:
                port = int(found.group(1))
                break
        assert port, "server did not report its port"
        peer = socket_peer(socket.create_connection(("127.0.0.1", port), timeout=20))
        peer.seen = []
        peer.send(initialize(workspace))
        first = peer.wait_for(lambda m: True)
        assert first.get("id") == 1 and "result" in first, first
        peer.wait_for(lambda m: m.get("method") == "codex/event")  # the event came, after it
    finally:
        server.kill()
        server.wait(10)


@pytest.mark.parametrize("early", [True, False])
def test_requests_before_initialize_get_server_not_initialized(
    early: bool, workspace: Path, editor_env: dict[str, str]
) -> None:
    uri = (workspace / "hello.py").as_uri()
    rng = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    received = exchange(editor_env, early, [
        {"jsonrpc": "2.0", "id": 7, "method": "workspace/executeCommand",
         "params": {"command": "codex.status"}},
        {"jsonrpc": "2.0", "id": 8, "method": "textDocument/codeAction",
         "params": {"textDocument": {"uri": uri}, "range": rng, "context": {"diagnostics": []}}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen",
         "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x\n"}}},
        initialize(workspace),
        {"jsonrpc": "2.0", "id": 9, "method": "workspace/executeCommand",
         "params": {"command": "codex.status"}},
    ], wait=(9,))
    for msg_id in (7, 8):
        [answer] = answers_to(received, msg_id)
        assert answer["error"]["code"] == SERVER_NOT_INITIALIZED, answer
        assert "initialize" in answer["error"]["message"]
    [init] = answers_to(received, 1)
    assert "result" in init
    [status] = answers_to(received, 9)
    assert status.get("result", {}).get("status") == "answered", status


def test_odd_messages_with_an_id_get_exactly_one_answer(
    workspace: Path, editor_env: dict[str, str]
) -> None:
    """JSON-RPC 2.0: a request always gets an answer; an id it cannot use is answered as null."""
    received = exchange(editor_env, True, [
        initialize(workspace),
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 20, "method": None},
        {"jsonrpc": "2.0", "id": 21, "method": 5, "params": {}},
        {"jsonrpc": "2.0", "id": False, "method": "workspace/executeCommand",
         "params": {"command": "codex.status"}},
        {"jsonrpc": "2.0", "id": 22, "method": "$/cancelRequest", "params": {"id": 3}},
        {"jsonrpc": "2.0", "id": 23, "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 24, "method": "$/setTrace", "params": {"value": "off"}},
        {"jsonrpc": "2.0", "id": 25, "method": "initialize",
         "params": {"processId": None, "capabilities": {}, "trace": "weird"}},
    ])
    for msg_id in (20, 21, 22, 23, 24, 25):
        [answer] = answers_to(received, msg_id)
        assert answer["error"]["code"] == INVALID_REQUEST, answer
    assert "notification" in answers_to(received, 23)[0]["error"]["message"]
    assert "only once" in answers_to(received, 25)[0]["error"]["message"]
    [null_answer] = answers_to(received, None)
    assert null_answer["error"]["code"] == INVALID_REQUEST
    assert len(answers_to(received, 1)) == 1


def test_replacing_the_only_folder_leaves_only_the_new_one_writable(
    workspace: Path, editor_env: dict[str, str], tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    server = start(editor_env, True)
    try:
        peer = pipe_peer(server)
        peer.initialize(workspace.as_uri())
        peer.notify("workspace/didChangeWorkspaceFolders", {"event": {
            "added": [{"uri": other.as_uri(), "name": "other"}],
            "removed": [{"uri": workspace.as_uri(), "name": "ws"}],
        }})
        status = _command(peer, "codex.status")
        assert status["workspace"] == [str(other.resolve())], status
        # The old folder is no longer writable: a selection command there is refused.
        rng = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}
        result = _command(peer, "codex.editSelection", {
            "uri": (workspace / "hello.py").as_uri(), "range": rng, "instruction": "x"})
        assert result["status"] == "failed" and "outside" in result["error"], result
    finally:
        server.kill()
        server.wait(10)


def _command(peer: RawPeer, name: str, *args: Any) -> Any:
    rid = peer.request("workspace/executeCommand", {"command": name, "arguments": list(args)})
    return peer.response(rid, timeout=30)["result"]


def test_login_honours_cancel_request(
    workspace: Path, tmp_path: Path, model: ScriptedModelServer
) -> None:
    """A device sign-in waits for the user; `$/cancelRequest` answers it and ends the wait."""
    from tests.support.chatgpt_auth import ScriptedAuthority

    home = tmp_path / "codex-home"
    write_config(home, model.base_url)
    (home / "config.toml").write_text('model = "test-model"\n')
    with ScriptedAuthority() as authority:
        authority.state.pending_polls = 10**9
        env = {"CODEX_HOME": str(home), "CODEX_LOGIN_ISSUER": authority.url,
               "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
        server = start(env, True)
        try:
            peer = pipe_peer(server)
            peer.initialize(workspace.as_uri(), {"experimental": {"codexAuthEvents": True}})
            rid = peer.request("workspace/executeCommand",
                               {"command": "codex.login", "arguments": [{"method": "device"}]})
            peer.wait_for(lambda m: m.get("method") == "codex/event"
                          and m["params"].get("type") == "login"
                          and m["params"].get("state") == "waiting")
            peer.notify("$/cancelRequest", {"id": rid})
            answer = peer.response(rid)
            assert answer["error"]["code"] == -32800, answer
            # The sign-in itself ended (not only its request): it says so.
            ended = peer.wait_for(lambda m: m.get("method") == "codex/event"
                                  and m["params"].get("type") == "login"
                                  and m["params"].get("state") == "failed")
            assert ended["params"]["reason"] == "cancelled", ended
            assert len(answers_to(peer.seen, rid)) == 1
        finally:
            server.kill()
            server.wait(10)
