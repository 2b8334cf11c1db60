"""Suite 7, load: 20 concurrent commands on one server, and many turns in a row.

No turn may get stuck (every command answers within its timeout and nothing is left
running), memory must level off (the server's VmRSS after the last turn <= 1.2x its
VmRSS after the first 10% of the turns), and p50/p99 command latency is printed.
The default run does `DEFAULT_TURNS` turns; the long run (1,000 turns) is marked
`load` and runs with `-m load` or `CODEX_LSP_LOAD=1`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

DEFAULT_TURNS = 100
LONG_TURNS = 1000
CONCURRENT = 20


def rss_kb(editor: Editor) -> int:
    """VmRSS of the server process, from /proc."""
    process = editor.client._server
    assert process is not None
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def ms(values: list[float]) -> str:
    """p50 and p99 of `values` (seconds) in milliseconds."""
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms"


async def timed(editor: Editor, name: str, arg: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    start = time.monotonic()
    result = await editor.command(name, arg, timeout=60)
    return time.monotonic() - start, result


async def assert_nothing_running(editor: Editor) -> None:
    status = await editor.command("codex.status")
    assert status["running"] == [], status


async def test_twenty_concurrent_commands_each_on_its_own_thread(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.set_default(Reply([Text("A short answer, streamed word by word.")], delta_delay=0.002))
    await editor.start()
    await editor.command("codex.ask", {"prompt": "warm up"})
    started = time.monotonic()
    runs = await asyncio.gather(
        *(timed(editor, "codex.ask", {"prompt": f"question {i}"}) for i in range(CONCURRENT))
    )
    wall = time.monotonic() - started
    results = [r for _, r in runs]
    assert [r["status"] for r in results] == ["answered"] * CONCURRENT, results
    assert len({r["threadId"] for r in results}) == CONCURRENT  # each its own thread
    await assert_nothing_running(editor)
    finished = [e for e in editor.state.events if e["type"] == "turnFinished"]
    assert len(finished) == CONCURRENT + 1
    latencies = [t for t, _ in runs]
    print(f"FIGURES load (concurrent): {CONCURRENT} commands at once in {wall:.2f} s, {ms(latencies)}")


async def turns_in_a_row(editor: Editor, model: ScriptedModelServer, workspace: Path, turns: int) -> None:
    """`turns` commands one after another on one thread; every 10th runs a tool."""
    (workspace / "notes.txt").write_text("line\n" * 50)
    model.set_default(Reply([Text("Done: nothing else to change here.")]))
    await editor.start()
    latencies: list[float] = []
    baseline = 0
    for i in range(turns):
        if i % 10 == 9:
            model.script(Reply([FunctionCall("read_file", {"path": "notes.txt"})]))
            elapsed, result = await timed(editor, "codex.runTask", {"prompt": f"read the notes ({i})"})
        else:
            elapsed, result = await timed(editor, "codex.ask", {"prompt": f"turn {i}"})
        assert result["status"] == "answered", (i, result)
        latencies.append(elapsed)
        if i + 1 == max(1, turns // 10):
            baseline = rss_kb(editor)
    final = rss_kb(editor)
    await assert_nothing_running(editor)
    finished = [e for e in editor.state.events if e["type"] == "turnFinished"]
    assert len(finished) == turns
    print(
        f"FIGURES load (sequential): {turns} turns, no stuck turn, RSS {baseline // 1024} MB after "
        f"{max(1, turns // 10)} -> {final // 1024} MB after {turns} ({final / baseline:.2f}x), {ms(latencies)}"
    )
    assert final <= 1.2 * baseline, (baseline, final)


async def test_turns_in_a_row(editor: Editor, model: ScriptedModelServer, workspace: Path) -> None:
    await turns_in_a_row(editor, model, workspace, DEFAULT_TURNS)


@pytest.mark.load
@pytest.mark.timeout(1800)
async def test_a_thousand_turns_in_a_row(
    editor: Editor, model: ScriptedModelServer, workspace: Path, request: pytest.FixtureRequest
) -> None:
    if "load" not in (request.config.option.markexpr or "") and not os.environ.get("CODEX_LSP_LOAD"):
        pytest.skip("long load run: select it with -m load or CODEX_LSP_LOAD=1")
    await turns_in_a_row(editor, model, workspace, LONG_TURNS)



def test_latency_figures_helper() -> None:
    assert ms([float(v) / 1000 for v in range(1, 101)]) == "p50 50 ms, p99 99 ms"
