"""Never deadlock: floods, a client that stops reading, a slow TCP client.

The negative control runs the same client behaviour against a stock pygls
server and shows it hang; ours keeps reading and answering.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.lsp_client import REPO, Editor
from tests.support.model_server import Flood, FunctionCall, Reply, ScriptedModelServer, Text
from tests.support.raw_lsp import RawPeer, pipe_peer, socket_peer

pytestmark = pytest.mark.e2e

PATCH = {"input": "*** Begin Patch\n*** Update File: hello.py\n@@\n-print(greet('bob'))\n+print(greet('x'))\n*** End Patch\n"}
BIG_DID_OPEN_BYTES = 4 * 1024 * 1024


def big_did_open(workspace: Path) -> dict:
    text = ("# filler line for a very large document\n" * (BIG_DID_OPEN_BYTES // 40 + 1))[:BIG_DID_OPEN_BYTES]
    return {
        "textDocument": {"uri": (workspace / "big.py").as_uri(), "languageId": "python", "version": 1, "text": text}
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_flood_while_approval_pending_keeps_answering(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(
        Reply([FunctionCall("apply_patch", PATCH)]),
        Reply([Flood(100_000)], delta_delay=0.00003),
    )
    await editor.start()
    uri = editor.open("hello.py")
    answered: dict[str, object] = {}

    async def while_pending() -> None:
        # The flood turn is streaming and this approval is unanswered: the
        # server must still answer status and codeAction.
        await editor.wait_for(lambda: len(editor.text_events()) > 1000, timeout=30)
        answered["status"] = await editor.command("codex.status", {})
        answered["actions"] = await editor.code_actions(uri, (0, 0), (1, 0))
        answered["streamed_before_cancel"] = len(editor.text_events())
        flood_thread = [t for t in answered["status"]["running"] if t != first_thread[0]]  # type: ignore[index]
        answered["cancel"] = await editor.command("codex.cancel", {"threadId": flood_thread[0]})
        await asyncio.sleep(0.5)

    first_thread: list[str] = []
    editor.on_approval = while_pending
    editor.message_answers = ["Reject"]
    edit_task = asyncio.ensure_future(editor.command("codex.runTask", {"prompt": "edit"}, timeout=60))
    await asyncio.to_thread(model.wait_for_requests, 1, 10)
    status = await editor.command("codex.status", {})
    first_thread.extend(status["running"])
    flood_task = asyncio.ensure_future(editor.command("codex.ask", {"prompt": "flood"}, timeout=60))
    flood_result, edit_result = await asyncio.gather(flood_task, edit_task)
    assert len(answered["status"]["running"]) == 2  # type: ignore[index]
    assert answered["actions"][0]["title"] == "Codex: Edit selection…"  # type: ignore[index]
    assert flood_result["status"] == "cancelled"
    assert len(editor.text_events()) < 100_000  # the cancel really stopped the stream
    assert edit_result["status"] == "rejected"


def _start_server(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "codex_lsp", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if args else subprocess.DEVNULL,
        env={**os.environ, **env},
        cwd=str(REPO),
    )


def _write_in_thread(peer: RawPeer, message: dict) -> threading.Thread:
    def send() -> None:
        try:
            peer.send(message)
        except BrokenPipeError:
            pass  # the negative control kills a server that never read it

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def test_client_stops_reading_and_writes_4mib_no_deadlock(
    model: ScriptedModelServer, workspace: Path, editor_env: dict[str, str]
) -> None:
    model.script(Reply([Flood(300_000, piece="abcdefgh"), FunctionCall("apply_patch", PATCH)]))
    server = _start_server(editor_env)
    try:
        peer = pipe_peer(server)
        peer.initialize(workspace.as_uri(), {"window": {"workDoneProgress": True, "showMessage": {}}})
        peer.reading.clear()  # the client stops reading stdout
        run_id = peer.request("workspace/executeCommand", {"command": "codex.runTask", "arguments": [{"prompt": "go"}]})
        model.wait_for_requests(1, timeout=10)
        time.sleep(1.0)  # the server's output pipe fills up while nobody reads
        writer = _write_in_thread(peer, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": big_did_open(workspace)})
        writer.join(timeout=20)
        assert not writer.is_alive(), "the 4 MiB write blocked: the server stopped reading"
        status_id = peer.request("workspace/executeCommand", {"command": "codex.status", "arguments": [{}]})
        peer.reading.set()  # read again
        status = peer.response(status_id)
        assert status["result"]["status"] == "answered"
        approval = peer.wait_for(lambda m: m.get("method") == "window/showMessageRequest", timeout=60)
        cancel_id = peer.request("workspace/executeCommand", {"command": "codex.cancel", "arguments": [{}]})
        result = peer.response(run_id)
        assert result["result"]["status"] == "cancelled"
        assert peer.response(cancel_id)["result"]["status"] == "cancelled"
        # The server withdrew its own abandoned approval request.
        withdrawn = [m for m in peer.seen if m.get("method") == "$/cancelRequest"]
        assert approval["id"] in [m["params"]["id"] for m in withdrawn]
    finally:
        server.kill()
        server.wait(10)


def test_negative_control_stock_pygls_deadlocks(workspace: Path) -> None:
    """Same client behaviour against plain pygls `start_io()`: the write never completes."""
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("stock_pygls_server.py"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        peer = pipe_peer(server)
        peer.initialize(workspace.as_uri())
        peer.reading.clear()
        peer.request("workspace/executeCommand", {"command": "flood", "arguments": []})
        time.sleep(1.0)
        writer = _write_in_thread(peer, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": big_did_open(workspace)})
        writer.join(timeout=5)
        assert writer.is_alive(), "expected the stock server to deadlock"
    finally:
        server.kill()
        server.wait(10)


def test_slow_tcp_client_keeps_server_memory_bounded(
    model: ScriptedModelServer, workspace: Path, editor_env: dict[str, str]
) -> None:
    total_chars = 20_000 * 500
    model.script(Reply([Text("warm up")]), Reply([Flood(20_000, piece="z" * 500)]))
    server = _start_server(editor_env, "--tcp", "127.0.0.1:0")
    try:
        assert server.stderr is not None
        port = None
        for _ in range(50):
            line = server.stderr.readline().decode()
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if match:
                port = int(match.group(1))
                break
        assert port, "server did not report its port"
        sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        peer = socket_peer(sock)
        peer.initialize(workspace.as_uri())
        warm = peer.request("workspace/executeCommand", {"command": "codex.ask", "arguments": [{"prompt": "hi"}]})
        assert peer.response(warm)["result"]["status"] == "answered"
        peer.seen.clear()
        baseline = rss_kib(server.pid)
        peer.reading.clear()
        run_id = peer.request("workspace/executeCommand", {"command": "codex.ask", "arguments": [{"prompt": "flood"}]})
        peak = baseline
        for _ in range(30):  # 3 s of not reading while the model floods 10 MB
            time.sleep(0.1)
            peak = max(peak, rss_kib(server.pid))
        peer.reading.set()
        result = peer.response(run_id, timeout=120)
        assert result["result"]["status"] == "answered"
        streamed = sum(len(m["params"].get("delta", "")) for m in peer.seen if m.get("method") == "codex/event")
        assert streamed == total_chars
        assert peak - baseline < 10 * 1024, f"server grew by {(peak - baseline) // 1024} MiB while the client was not reading"
        sock.close()
    finally:
        server.kill()
        server.wait(10)
