"""The bench's sections, each written once against a `Side` (codex-lsp or the Codex CLI).

Figures go to `Bench.figures` (figure -> side -> one value per run), raw per-run data to
`Bench.details`, the scaling table to `Bench.scaling`; bench/report.py renders them.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench import report
from bench.codex_side import launcher
from bench.cost import cost_figures
from bench.fixtures import (
    HELLO_RANGE,
    LINE_BYTES,
    big_document,
    big_patch,
    hello_patch,
    hunk_lines,
    line_count,
)
from bench.model import BenchModelProcess, Flood, Reply, Text
from bench.proc import evict_from_page_cache
from bench.sides import CodexSide, LspSide, Range, Side, line_range

KB, MB = 1024, 1024 * 1024
HUNK_DOC_LINES = 12_000
SideClass = type[LspSide] | type[CodexSide]
"""A side to measure: made per section with its own sandbox, tagged e.g. "flood"."""


class Bench:
    def __init__(self, args: argparse.Namespace, model: BenchModelProcess, codex: bool) -> None:
        self.args = args
        self.model = model
        self.codex = codex
        self.latency_s = args.model_latency / 1000.0
        # figure -> side -> list of per-run values
        self.figures: dict[str, dict[str, list[float]]] = {}
        self.details: list[dict[str, Any]] = []
        self.scaling: dict[str, Any] = {}
        self.errors: list[str] = []

    def sides(self) -> list[SideClass]:
        """codex-lsp, then Codex where it can run."""
        return [LspSide, CodexSide] if self.codex else [LspSide]

    def add(self, figure: str, side: str, value: float | None) -> None:
        if value is None:
            return
        self.figures.setdefault(figure, {}).setdefault(side, []).append(value)

    def reply(self, items: list[Any]) -> Reply:
        return Reply(items, pause_before=self.latency_s)

    def script_edits(self, side: Side, patches: list[str]) -> None:
        """Each edit turn: one apply_patch call, then a final message."""
        turns: list[Reply] = []
        for patch in patches:
            turns.append(self.reply([Text("Applying the change."), side.patch_call(patch)]))
            turns.append(self.reply([Text("Done.")]))
        self.model.reset()
        self.model.script(*turns)

    # ---- edit turns, spawn, RSS -----------------------------------------------------------

    async def edit_run(self, kind: SideClass, run: int) -> None:
        side: Side = kind(self.model.base_url, "")
        try:
            path = side.workspace / "hello.py"
            self.script_edits(side, [hello_patch(t)[0] for t in range(self.args.turns)])
            self.add("spawn_init_ms", side.name, await side.start())
            self.add("spawn_ready_ms", side.name, side.ready_ms)
            thread_ms = await side.begin_thread()
            side.open(path)
            await asyncio.sleep(1.0)
            idle = side.memory()
            self._add_memory(side, "idle", idle)
            timings = []
            for t in range(self.args.turns):
                timings.append(await side.edit(path, hello_patch(t)[1], HELLO_RANGE))
            after = side.memory()
            recorded = self.model.requests(min_count=2 * self.args.turns)
            bodies = [r.body for r in recorded if r.kind == "responses" and r.body]
            for figure, value in cost_figures(bodies).items():
                self.add(figure, side.name, value)
            self._add_turns(side.name, timings)
            self._add_memory(side, "turns", after)
            detail: dict[str, Any] = {"side": side.name, "run": run, "kind": "edit"}
            if thread_ms is not None:
                detail["thread_start_ms"] = thread_ms
            self.details.append({**detail, "idle": idle, "after": after, "turns": timings})
        finally:
            await side.stop()

    def _add_memory(self, side: Side, when: str, memory: dict[str, Any]) -> None:
        for key in side.memory_keys:
            self.add(f"{when}_{key}", side.name, memory[key])

    def _add_turns(self, side: str, timings: list[dict[str, float]]) -> None:
        first, warm = timings[0], timings[1:] or timings
        for key in ("start_to_approval_ms", "approval_to_edit_ms", "start_to_result_ms"):
            self.add(f"cold_{key}", side, first[key])
            self.add(f"warm_{key}", side, statistics.median(t[key] for t in warm))

    # ---- start-up ------------------------------------------------------------------------

    async def startup_run(self, kind: SideClass, run: int) -> None:
        """A cold start (the program's files out of the page cache), then a warm one.

        Figures: spawn -> initialize, and for codex-lsp spawn -> first code action and
        -> first command answered; Codex answers neither, so its row holds its
        spawn -> initialize (what an editor waits for before it can ask anything).
        """
        for phase in ("cold", "warm"):
            side: Side = kind(self.model.base_url, f"start-{phase}")
            try:
                if phase == "cold":
                    evict_from_page_cache(side.program_files())
                init = await side.start()
                self.add(f"{phase}_spawn_init_ms", side.name, init)
                self.add(f"{phase}_spawn_action_ms", side.name, side.first_code_action_ms or init)
                self.add(f"{phase}_spawn_command_ms", side.name, side.ready_ms or init)
                if side.name == "codex":  # Codex has no daemon: its rows compare with these
                    for what in ("init", "action", "command"):
                        self.add(f"daemon_{phase}_spawn_{what}_ms", side.name, init)
                self.details.append({"side": side.name, "run": run, "kind": f"start-{phase}",
                                     "init_ms": init, "code_action_ms": side.first_code_action_ms,
                                     "command_ms": side.ready_ms})
            finally:
                await side.stop()
        if kind is LspSide:
            await self._daemon_starts(run)

    async def _daemon_starts(self, run: int) -> None:
        """`codex-lsp --daemon`: the first start (no zygote yet), then a second window.

        The Codex column of these rows is Codex's own cold / warm start: it has no daemon.
        """
        side = LspSide(self.model.base_url, "start-daemon", server_args=("--daemon",))
        try:
            evict_from_page_cache(side.program_files())
            timings = [await side.start()]
            figures = [(timings[0], side.first_code_action_ms, side.ready_ms)]
            if not await side.wait_for_daemon():
                raise RuntimeError("the daemon's zygote never accepted a connection")
            init = await side.restart()
            figures.append((init, side.first_code_action_ms, side.ready_ms))
            for phase, (init, action, command) in zip(("cold", "warm"), figures, strict=True):
                self.add(f"daemon_{phase}_spawn_init_ms", side.name, init)
                self.add(f"daemon_{phase}_spawn_action_ms", side.name, action)
                self.add(f"daemon_{phase}_spawn_command_ms", side.name, command)
                self.details.append({"side": side.name, "run": run, "kind": f"daemon-{phase}",
                                     "init_ms": init, "code_action_ms": action,
                                     "command_ms": command})
        finally:
            await side.stop()

    async def launcher_run(self) -> None:
        """Codex started through the npm package's node launcher (`bin/codex.js`)."""
        if launcher() is None:
            return
        side = CodexSide(self.model.base_url, "js", via_launcher=True)
        try:
            self.add("launcher_spawn_init_ms", side.name, await side.start())
        finally:
            await side.stop()

    # ---- codeAction (codex-lsp only) ------------------------------------------------------

    async def codeaction_run(self, kind: SideClass, run: int) -> None:
        side: Side = kind(self.model.base_url, "ca")
        try:
            await side.start()
            text = big_document(MB)
            path = side.workspace / "big.py"
            path.write_text(text)
            side.open(path, text)
            mid = line_count(text) // 2
            for _ in range(10):  # warm-up: didOpen processed, code paths imported
                await side.code_action(path, mid)
            lat = [await side.code_action(path, mid) for _ in range(self.args.code_actions)]
            self.add("ca_p50_ms", side.name, pct(lat, 50))
            self.add("ca_p99_ms", side.name, pct(lat, 99))
            typed = []
            for _ in range(max(50, self.args.code_actions // 5)):
                side.type_char(path, mid - 10)
                typed.append(await side.code_action(path, mid))
            self.add("ca_typing_p50_ms", side.name, pct(typed, 50))
            self.add("ca_typing_p99_ms", side.name, pct(typed, 99))
            self.details.append(
                {"side": side.name, "run": run, "kind": "codeaction", "latencies_ms": lat,
                 "after_keystroke_ms": typed, "memory": side.memory()}
            )
        finally:
            await side.stop()

    # ---- streamed deltas ------------------------------------------------------------------

    async def flood_run(self, kind: SideClass, run: int) -> None:
        side: Side = kind(self.model.base_url, "flood")
        n = self.args.deltas
        try:
            self.model.reset()
            self.model.script(*[self.reply([Flood(n)]) for _ in range(self.args.floods)])
            await side.start()
            await side.begin_thread()
            await asyncio.sleep(0.5)
            mem = [side.memory()]
            rates, floods = [], []
            for _ in range(self.args.floods):
                s = await side.stream_turn(n)
                rate = n / (s.last_at - s.sent)
                rates.append(rate)
                mem.append(side.memory())
                floods.append({"rate": rate, "events": s.events,
                               "first_to_last_ms": (s.last_at - s.first_at) * 1000,
                               "result_ms": (s.done - s.sent) * 1000})
            self.add("flood_rate", side.name, statistics.median(rates))
            self.add("flood_first_growth_mb", side.name, mem[1]["hwm_mb"] - mem[0]["hwm_mb"])
            self.add("flood_hwm_growth_mb", side.name, mem[-1]["hwm_mb"] - mem[1]["hwm_mb"])
            self.add("flood_rss_growth_mb", side.name, mem[-1]["rss_mb"] - mem[1]["rss_mb"])
            self.add("flood_hwm_mb", side.name, mem[-1]["hwm_mb"])
            self.details.append({"side": side.name, "run": run, "kind": "flood",
                                 "floods": floods, "memory": mem})
        finally:
            await side.stop()

    # ---- scaling ----------------------------------------------------------------------------

    async def _point(
        self, out: dict[str, Any], table: str, key: str, label: str,
        body: Callable[[], Awaitable[dict[str, float]]],
    ) -> None:
        """Measure one scaling point; a failure is recorded and the table goes on."""
        try:
            out[table][key] = await body()
            report.progress(f"  scaling {label}: " + ", ".join(
                f"{k} {v:.1f}" for k, v in out[table][key].items()))
        except Exception as exc:
            out[table][key] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            self.errors.append(f"scaling {label}: {exc}"[:300])
            report.progress(f"  scaling {label}: FAILED {exc}"[:300])

    async def scaling_run(
        self, kind: SideClass, sizes: list[int], hunks: list[int], reps: int
    ) -> None:
        side: Side = kind(self.model.base_url, "scale")
        out: dict[str, Any] = {"size": {}, "hunks": {}}
        ws = side.workspace
        try:
            await side.start()
            await side.begin_thread()
            self.script_edits(side, [hello_patch(0)[0]])  # warm-up: imports, 1st connection
            side.open(ws / "hello.py")
            await side.edit(ws / "hello.py", hello_patch(0)[1], HELLO_RANGE)
            for size in sizes:
                await self._point(out, "size", str(size), f"{side.label} {human_size(size)}",
                                  partial(self._by_size, side, ws, size, reps))
            text = big_document(HUNK_DOC_LINES * LINE_BYTES)
            path = ws / "hunks.py"
            path.write_text(text)
            side.open(path, text)
            n_lines = line_count(text)
            for h in hunks:
                await self._point(
                    out, "hunks", str(h), f"{side.label} {h} hunks",
                    partial(self._turns, side, path, hunk_lines(n_lines, h), reps,
                            line_range(0, 10)),
                )
            out["memory"] = side.memory()
        except Exception as exc:
            self.errors.append(f"scaling {side.label}: {exc}"[:300])
            report.progress(f"  scaling {side.label} FAILED: {exc}")
        finally:
            await side.stop()
        self.scaling[side.name] = out

    async def _by_size(self, side: Side, ws: Path, size: int, reps: int) -> dict[str, float]:
        """Code actions (where the side has them) and edit turns on a `size`-byte file."""
        text = big_document(size)
        path = ws / f"size_{size}.py"
        path.write_text(text)
        side.open(path, text)
        mid = line_count(text) // 2
        figures: dict[str, float] = {}
        if side.code_actions:
            n_ca = max(50, self.args.code_actions // 5)
            for _ in range(5):
                await side.code_action(path, mid)
            lat = [await side.code_action(path, mid) for _ in range(n_ca)]
            typed = []
            for _ in range(max(20, n_ca // 5)):
                side.type_char(path, 0)
                typed.append(await side.code_action(path, mid))
            figures = {"ca_p50_ms": pct(lat, 50), "ca_p99_ms": pct(lat, 99),
                       "ca_typing_p50_ms": pct(typed, 50), "ca_typing_p99_ms": pct(typed, 99)}
        turns = await self._turns(side, path, [mid], reps, line_range(mid - 2, mid + 3))
        return {**figures, **turns}

    async def _turns(self, side: Side, path: Path, lines: list[int], reps: int,
                     selection: Range) -> dict[str, float]:
        """`reps` edit turns changing `lines`, on a fresh thread; median timings."""
        cur = side.current_text(path)
        patches, texts = [], []
        for _ in range(reps):
            patch, cur = big_patch(path.name, cur, lines, 0)
            patches.append(patch)
            texts.append(cur)
        self.script_edits(side, patches)
        await side.begin_thread()
        return median_turn([await side.edit(path, texts[t], selection) for t in range(reps)])


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


def median_turn(turns: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(t[k] for t in turns) for k in turns[0]}


def human_size(n: int) -> str:
    return f"{n // MB} MB" if n >= MB else f"{n // KB} KB"
