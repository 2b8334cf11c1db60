"""Start-up: `initialize` is answered before pygls has loaded, with the same result pygls
would compute, exactly once, and everything the client sends meanwhile is processed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.lsp_client import REPO
from tests.support.raw_lsp import frame, pipe_peer

pytestmark = pytest.mark.e2e

CLIENTS = Path(__import__("pytest_lsp").__file__).parent / "clients"


def capabilities(name: str) -> dict:
    if name == "none":
        return {}
    return json.loads((CLIENTS / name).read_text())["capabilities"]


def start(env: dict[str, str], early: bool) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "codex_lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env, "CODEX_LSP_EARLY_INITIALIZE": "1" if early else "0"},
        cwd=str(REPO),
    )


@pytest.mark.parametrize("client", ["none", "neovim_v0.11.0.json", "visual_studio_code_v1.65.2.json"])
def test_early_initialize_equals_what_pygls_computes(
    client: str, workspace: Path, editor_env: dict[str, str]
) -> None:
    results = []
    for early in (True, False):
        server = start(editor_env, early)
        try:
            peer = pipe_peer(server)
            results.append(peer.initialize(workspace.as_uri(), capabilities(client))["result"])
        finally:
            server.kill()
            server.wait(10)
    assert results[0] == results[1]


def test_requests_sent_right_after_initialize_are_answered_once(
    workspace: Path, editor_env: dict[str, str]
) -> None:
    server = start(editor_env, early=True)
    try:
        assert server.stdin is not None
        # Everything at once, before the server can have loaded: initialize,
        # initialized, a didOpen and a status command.
        uri = (workspace / "hello.py").as_uri()
        burst = b"".join(
            frame(m)
            for m in (
                {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"processId": None, "rootUri": workspace.as_uri(), "capabilities": {},
                            "initializationOptions": {"model": "from-init-options"}}},
                {"jsonrpc": "2.0", "method": "initialized", "params": {}},
                {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                 "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}}},
                {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
                 "params": {"command": "codex.status", "arguments": [{}]}},
            )
        )
        server.stdin.write(burst)
        server.stdin.flush()
        peer = pipe_peer(server)
        status = peer.response(2)
        assert status["result"]["config"]["model"] == "from-init-options"
        assert status["result"]["workspace"] == [str(workspace.resolve())]
        peer.request("shutdown", None)
        peer.wait_for(lambda m: m.get("id") == 101)
        answers_to_initialize = [m for m in peer.seen if m.get("id") == 1]
        assert len(answers_to_initialize) == 1
    finally:
        server.kill()
        server.wait(10)


def test_early_code_actions_equal_what_pygls_answers_and_come_once(
    workspace: Path, editor_env: dict[str, str]
) -> None:
    uri = (workspace / "hello.py").as_uri()
    rng = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 3}}
    diag = {"message": "undefined name 'y'\nmore", "source": "pyflakes", "code": "F821", "range": rng}
    contexts = [{"diagnostics": [diag]}, {"diagnostics": [], "only": ["refactor"]}, {"bad": 1}]
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": workspace.as_uri(), "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        *({"jsonrpc": "2.0", "id": 2 + i, "method": "textDocument/codeAction",
           "params": {"textDocument": {"uri": uri}, "range": rng, "context": ctx}}
          for i, ctx in enumerate(contexts)),
    ]
    answers = []
    for early in (True, False):
        server = start(editor_env, early)
        try:
            assert server.stdin is not None
            server.stdin.write(b"".join(frame(m) for m in messages))
            server.stdin.flush()
            peer = pipe_peer(server)
            peer.seen = []
            got = {i: peer.response(i) for i in (2, 3, 4)}
            peer.request("shutdown", None)
            peer.wait_for(lambda m: m.get("id") == 101)
            assert [m.get("id") for m in peer.seen].count(2) <= 1
            answers.append({i: (a.get("result"), (a.get("error") or {}).get("code"))
                            for i, a in got.items()})
        finally:
            server.kill()
            server.wait(10)
    assert answers[0] == answers[1]
    assert answers[0][4][1] is not None  # the malformed one is pygls's error, both ways


OUR_PLUGINS = {"codexIntel": True, "codexApproval": True, "codexUserInput": True}
"""What our VS Code extension and Neovim plugin add to an editor's capabilities."""


@pytest.mark.parametrize(
    ("client", "experimental", "extra_config"),
    [
        ("neovim_v0.11.0.json", None, ""),
        ("visual_studio_code_v1.65.2.json", None, ""),
        ("visual_studio_code_v1.65.2.json", OUR_PLUGINS,
         '[inline_completion]\nenabled = true\n\n[lsp_servers.py]\ncommand = ["pylsp"]\n'),
    ],
    ids=["neovim", "vscode", "vscode-with-our-plugin"],
)
def test_early_status_equals_what_the_loaded_server_answers(
    client: str, experimental: dict[str, bool] | None, extra_config: str,
    workspace: Path, editor_env: dict[str, str], codex_home: Path, tmp_path: Path
) -> None:
    """The editor's first `codex.status` comes before pygls has loaded: same answer."""
    config = codex_home / "config.toml"
    text = config.read_text()
    first_table = text.find("\n[")
    text = text[:first_table] + "\nmodle = 1\n" + text[first_table:]  # a warning to report
    config.write_text(text + "\n" + extra_config)
    caps = capabilities(client)
    if experimental:
        caps = {**caps, "experimental": experimental}
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": workspace.as_uri(),
                    "workspaceFolders": [{"uri": workspace.as_uri(), "name": "ws"}],
                    "capabilities": caps,
                    "initializationOptions": {"codex": {"model": "from-init-options"}}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
         "params": {"command": "codex.status", "arguments": [{}]}},
    ]
    results, logs = [], []
    for early in (True, False):
        log = tmp_path / f"server-{early}.log"
        server = subprocess.Popen(
            [sys.executable, "-m", "codex_lsp", "-v", "--log-file", str(log)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={**os.environ, **editor_env, "CODEX_LSP_EARLY_INITIALIZE": "1" if early else "0"},
            cwd=str(REPO),
        )
        try:
            assert server.stdin is not None
            server.stdin.write(b"".join(frame(m) for m in messages))
            server.stdin.flush()
            peer = pipe_peer(server)
            status = peer.response(2)["result"]
            peer.request("shutdown", None)
            peer.wait_for(lambda m: m.get("id") == 101)
            assert [m.get("id") for m in peer.seen if "method" not in m].count(2) == 1
        finally:
            server.kill()
            server.wait(10)
        status.pop("uptimeSec")
        results.append(status)
        logs.append(log.read_text())
    assert results[0] == results[1]
    assert results[0]["config"]["model"] == "from-init-options"
    assert any("modle" in warning for warning in results[0]["warnings"])
    assert "answered before loading: ids [1, 2]" in logs[0]
    assert "answered before loading" not in logs[1]
