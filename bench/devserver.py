"""Section `devserver`: a turn that starts a dev server, polls it and stops it.

The scripted model makes the agent run `python3 -u -m http.server 0 --bind 127.0.0.1`
with `exec_command` (in a terminal, `yield_time_ms` 500), poll it with `write_stdin`
(no input: 5000 ms, the least an empty poll waits), stop it with `write_stdin` Ctrl-C, then answer — the same four
answers for codex-lsp (`codex.runTask`) and the real Codex (`turn/start` on
`codex app-server`), in the same run. The session id the polls need is read from the
previous tool output by the bench model server (bench/model.py `SESSION_ID`), as a
model would. Both sides run with `approval_policy = "never"` and full access (Codex's
sandboxes refuse sockets; no approval prompt is timed here).

Figures: the whole turn, and the agent's own time around each tool call (from the
model's answer to the agent's next request, minus the call's yield time, so it is the
cost of spawning, reading and stopping, not the wait the model asked for).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from bench.model import SESSION_ID, FunctionCall, Text
from bench.sides import CodexSide, LspSide

if TYPE_CHECKING:
    from bench.sections import Bench, SideClass

START_YIELD_MS, POLL_YIELD_MS, STOP_YIELD_MS = 500, 5000, 2000
"""An empty poll waits at least 5 s in Codex 0.169 (and in codex-lsp, which follows it)."""
SERVER = "python3 -u -m http.server 0 --bind 127.0.0.1"
CALLS = ("start", "poll", "stop")
"""The three tool calls; figure `devserver_<call>_own_ms` each."""


def script(bench: Bench) -> list[Any]:
    """The model's four answers: start, poll, Ctrl-C, done."""
    start = {"cmd": SERVER, "tty": True, "login": False, "yield_time_ms": START_YIELD_MS}
    poll = {"session_id": SESSION_ID, "chars": "", "yield_time_ms": POLL_YIELD_MS}
    stop = {"session_id": SESSION_ID, "chars": "\u0003", "yield_time_ms": STOP_YIELD_MS}
    return [
        bench.reply([FunctionCall("exec_command", start, "dev_start")]),
        bench.reply([FunctionCall("write_stdin", poll, "dev_poll")]),
        bench.reply([FunctionCall("write_stdin", stop, "dev_stop")]),
        bench.reply([Text("The dev server ran and is stopped.")]),
    ]


async def devserver_run(bench: Bench, kind: SideClass, run: int) -> None:
    """One dev-server turn on `kind`; figures and the checked tool outputs."""
    side = kind(bench.model.base_url, "dev")
    try:
        if isinstance(side, LspSide):
            home = side.sandbox.home / "config.toml"
            home.write_text(
                home.read_text().replace('approval_policy = "untrusted"', _FULL_ACCESS)
            )
        bench.model.reset()
        bench.model.script(*script(bench))
        await side.start()
        sent = time.perf_counter()
        if isinstance(side, CodexSide):
            await _codex_turn(side)
        else:
            result = await side.editor.rpc.request(
                "workspace/executeCommand",
                {"command": "codex.runTask", "arguments": [{"prompt": "run the dev server"}]},
                wait_s=120,
            )
            if not isinstance(result, dict) or result.get("status") != "answered":
                raise RuntimeError(f"codex-lsp dev-server turn: {result!r}"[:400])
        turn_ms = (time.perf_counter() - sent) * 1000
        requests = [r for r in bench.model.requests(min_count=4) if r.kind == "responses"]
        outputs = _outputs(requests[-1].body or {})
        _check(side.label, outputs)
        bench.add("devserver_turn_ms", side.name, turn_ms)
        own = _own_times(requests)
        for call, value in zip(CALLS, own, strict=True):
            bench.add(f"devserver_{call}_own_ms", side.name, value)
        bench.details.append({"side": side.name, "run": run, "kind": "devserver",
                              "turn_ms": turn_ms, "own_ms": own, "outputs": outputs})
    finally:
        await side.stop()


_FULL_ACCESS = 'approval_policy = "never"\nsandbox_mode = "danger-full-access"'


async def _codex_turn(side: CodexSide) -> None:
    client = side.client
    result = await client.rpc.request(
        "thread/start",
        {"cwd": str(side.workspace), "approvalPolicy": "never", "sandbox": "danger-full-access"},
        wait_s=60,
    )
    client.thread_id = result["thread"]["id"]
    client.marks.clear()
    await client._turn("run the dev server", 120)
    assert client.turn_done is not None
    params = await asyncio.wait_for(client.turn_done, 120)
    turn = (params or {}).get("turn") or {}
    if turn.get("status") not in (None, "completed"):
        raise RuntimeError(f"Codex dev-server turn ended {turn.get('status')}: {turn.get('error')}")


def _outputs(body: dict[str, Any]) -> list[str]:
    return [
        str(i.get("output"))
        for i in body.get("input") or []
        if isinstance(i, dict) and i.get("type") == "function_call_output"
    ]


def _check(label: str, outputs: list[str]) -> None:
    """The server started, the poll reached it, Ctrl-C stopped it."""
    if len(outputs) != 3:
        raise RuntimeError(f"{label}: {len(outputs)} tool outputs, not 3: {outputs}"[:600])
    start, poll, stop = outputs
    if "session ID" not in start or "session ID" not in poll:
        raise RuntimeError(f"{label}: no running session: {start!r}, {poll!r}"[:600])
    if "Serving HTTP on 127.0.0.1" not in start + poll:  # a loaded machine starts it late
        raise RuntimeError(f"{label}: the dev server did not start: {start!r}, {poll!r}"[:600])
    if "exited with code" not in stop:
        raise RuntimeError(f"{label}: Ctrl-C did not stop the server: {stop!r}"[:600])


def _own_times(requests: list[Any]) -> list[float]:
    """Per tool call: model answer -> next request, minus the wait the call asked for."""
    waits = (START_YIELD_MS, POLL_YIELD_MS, 0.0)  # the stopped server ends the last wait
    own = []
    for n, wait in enumerate(waits):
        answered = requests[n].answered_at or requests[n].received_at
        own.append((requests[n + 1].received_at - answered) * 1000 - wait)
    return own
