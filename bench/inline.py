"""The inline completion section (codex-lsp only; the Codex CLI has no inline completions).

Two measurements on a 1 MB Python buffer, against a scripted FIM endpoint
(`[inline_completion] provider`, OpenAI-compatible `/v1/completions`):

* **The server's own latency.** Sequential `textDocument/inlineCompletion` requests, each
  at a different line end (so none is answered from the cache), with `debounce_ms = 0` and
  a zero-latency model. The server's time is the request -> response round trip minus
  the model server's own time for that request (body read -> end of answer, stamped by
  the model server with `time.perf_counter()`, CLOCK_MONOTONIC on Linux like ours). Each
  completion is followed by the same FIM body sent straight to the endpoint by a plain
  httpx client: its time minus the model's is the HTTP client's share (the scripted
  server closes every connection, so each request pays a TCP connect), and the
  difference of the pair is what the language server itself adds.
* **What debounce and cancellation save.** A scripted 200-keystroke sequence typed with
  human-like gaps; the editor asks for a completion after every keystroke and cancels
  the one still pending (as VS Code does). The model answers after 200 ms (a local FIM
  model's time). Requests the editor sent vs requests the model server received.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import TYPE_CHECKING, Any

from bench.fixtures import big_document, line_count
from bench.model import Reply, Text
from bench.sides import LspSide

if TYPE_CHECKING:
    from bench.sections import Bench

MB = 1024 * 1024
TYPING_MODEL_S = 0.2
"""How long the scripted model takes per completion while typing (a local FIM model)."""
TYPED = (
    "def total(values):\n"
    "    result = 0\n"
    "    for value in values:\n"
    "        if value is None:\n"
    "            continue\n"
    "        result += value * weight(value)\n"
    "    return result\n"
    "\n"
    "def weight(value):\n"
    "    return 1 if value >= 0 else 2\n"
)


def inline_config(debounce_ms: int) -> str:
    """`[inline_completion]` on, from the scripted provider's FIM endpoint."""
    return (
        "\n[inline_completion]\nenabled = true\n"
        f'provider = "scripted"\nmodel = "fim-bench"\ndebounce_ms = {debounce_ms}\n'
    )


def keystrokes(n: int, seed: int) -> list[tuple[str, float]]:
    """`n` characters of TYPED (repeated) with the pause before each (s), reproducibly.

    Gaps: 30-150 ms inside a word, 150-400 ms after a space or punctuation, 600 ms after
    a line break (a typist at about 80 words a minute, with short thinking pauses).
    """
    rng = random.Random(seed)
    text = (TYPED * (n // len(TYPED) + 1))[:n]
    out: list[tuple[str, float]] = []
    prev = ""
    for ch in text:
        if prev == "\n":
            gap = 0.6
        elif prev and not prev.isalnum() and prev != "_":
            gap = rng.uniform(0.15, 0.4)
        else:
            gap = rng.uniform(0.03, 0.15)
        out.append((ch, gap))
        prev = ch
    return out


async def _start(bench: Bench, tag: str, debounce_ms: int) -> tuple[LspSide, str, str]:
    side = LspSide(bench.model.base_url, tag)
    config = side.sandbox.home / "config.toml"
    config.write_text(config.read_text() + inline_config(debounce_ms))
    await side.start()
    text = big_document(MB)
    path = side.workspace / "big.py"
    path.write_text(text)
    uri = side.editor.open(path, text)
    return side, uri, text


async def latency_run(bench: Bench, run: int, n: int) -> None:
    """`n` completions at different line ends, each followed by the same FIM request sent
    straight to the endpoint (interleaved, so both see the same machine load)."""
    import httpx

    bench.model.reset()
    bench.model.set_default(Reply([Text(" + 1")]))
    side, uri, text = await _start(bench, "inline", 0)
    url = bench.model.base_url.rstrip("/") + "/completions"
    try:
        lines = text.splitlines()
        mid = line_count(text) // 2
        warm = 10
        for i in range(warm):
            await _complete(side, uri, mid + i, len(lines[mid + i]))
        body = bench.model.requests(min_count=warm)[-1].body or {}
        stamps: list[tuple[float, float]] = []
        async with httpx.AsyncClient() as client:
            for i in range(warm, warm + n):
                stamps.append(await _complete(side, uri, mid + i, len(lines[mid + i])))
                t0 = time.perf_counter()
                async with client.stream("POST", url, json=body) as response:
                    async for _chunk in response.aiter_bytes():
                        pass
                stamps.append((t0, time.perf_counter()))
        recorded = [r for r in bench.model.requests(min_count=warm + 2 * n)
                    if r.kind == "completions"][warm:]
        if len(recorded) != 2 * n:
            raise RuntimeError(f"{2 * n} completions made {len(recorded)} model requests")
    finally:
        await side.stop()
    figures = _latencies(stamps, recorded)
    from bench.sections import pct

    for key, values in figures.items():
        bench.add(f"{key}_p50_ms", side.name, pct(values, 50))
        bench.add(f"{key}_p99_ms", side.name, pct(values, 99))
    bench.details.append({"side": side.name, "run": run, "kind": "inline", **figures})


async def _complete(side: LspSide, uri: str, line: int, character: int) -> tuple[float, float]:
    """One inline completion that must come back with an item; (t_sent, t_got)."""
    fut, sent, _ = side.editor.inline_request(uri, line, character)
    result, got = await asyncio.wait_for(fut, 30)
    if not result or not result.get("items"):
        raise RuntimeError(f"no inline completion at line {line}: {result!r}"[:300])
    return sent, got


def _latencies(stamps: list[tuple[float, float]], recorded: list[Any]) -> dict[str, list[float]]:
    """Per pair (completion, direct call), in ms: the completion's round trip, its time
    minus the model server's, the direct call's time minus the model server's, and the
    difference of the last two (what the language server adds to a plain HTTP client)."""
    out: dict[str, list[float]] = {"inline_rt": [], "inline_server": [], "inline_direct": [],
                                   "inline_layer": []}
    for k in range(0, len(stamps), 2):
        (s0, s1), (d0, d1) = stamps[k], stamps[k + 1]
        own, direct_own = recorded[k], recorded[k + 1]
        assert own.answered_at is not None and direct_own.answered_at is not None
        server = (s1 - s0) - (own.answered_at - own.received_at)
        direct = (d1 - d0) - (direct_own.answered_at - direct_own.received_at)
        out["inline_rt"].append((s1 - s0) * 1000)
        out["inline_server"].append(server * 1000)
        out["inline_direct"].append(direct * 1000)
        out["inline_layer"].append((server - direct) * 1000)
    return out


async def typing_run(bench: Bench, run: int, n: int) -> None:
    """Type `n` keystrokes, asking after each; count what reached the model."""
    bench.model.reset()
    bench.model.set_default(Reply([Text("  # suggestion")], pause_before=TYPING_MODEL_S))
    side, uri, text = await _start(bench, "typing", 75)
    ed = side.editor
    try:
        line, col = line_count(text) // 2, 0
        ed.insert(uri, line, 0, "\n")  # type on a fresh line in the middle of the file
        pending: tuple[asyncio.Future[Any], int] | None = None
        sent = cancelled = 0
        for ch, gap in keystrokes(n, seed=run):
            await asyncio.sleep(gap)
            if pending is not None and not pending[0].done():
                ed.rpc.notify("$/cancelRequest", {"id": pending[1]})  # the editor moved on
                cancelled += 1
            ed.insert(uri, line, col, ch)
            line, col = (line + 1, 0) if ch == "\n" else (line, col + 1)
            fut, _, msg_id = ed.inline_request(uri, line, col)
            fut.add_done_callback(_consume)
            pending = (fut, msg_id)
            sent += 1
        if pending is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pending[0], 10)
        await asyncio.sleep(0.5)
        received = sum(1 for r in bench.model.requests() if r.kind == "completions")
        status = await ed.rpc.request(
            "workspace/executeCommand", {"command": "codex.status", "arguments": [{}]}
        )
        stats = status["inlineCompletion"]
    finally:
        await side.stop()
    bench.add("typing_editor_requests", side.name, sent)
    bench.add("typing_model_requests", side.name, received)
    bench.add("typing_saved_pct", side.name, 100.0 * (sent - received) / sent)
    bench.add("typing_debounced", side.name, stats["debounced"])
    bench.add("typing_cut_short", side.name, stats["cancelled"])
    bench.add("typing_cache_hits", side.name, stats["cache_hits"])
    bench.details.append({"side": side.name, "run": run, "kind": "typing", "sent": sent,
                          "editor_cancels": cancelled, "model_requests": received,
                          "server_stats": stats})


def _consume(fut: asyncio.Future[Any]) -> None:
    """A cancelled request ends with an error the editor ignores."""
    if not fut.cancelled():
        fut.exception()
