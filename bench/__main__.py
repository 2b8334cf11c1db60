"""`python -m bench`: codex-lsp against the real Codex CLI on the same scripted model.

Run from the repository root.  See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.codex_side import CodexClient, installed_version, launcher, native_binary
from bench.fixtures import (
    HELLO_RANGE,
    LINE_BYTES,
    REPO,
    Sandbox,
    big_document,
    big_patch,
    hello_patch,
    hunk_lines,
    line_count,
)
from bench.lsp_side import LspEditor
from bench.model import BenchModelProcess, Flood, FunctionCall, Reply, Text

NETNS_ENV = "CODEX_LSP_BENCH_NETNS"
SECTIONS = ("edit", "codeaction", "flood", "launcher", "scaling")
KB, MB = 1024, 1024 * 1024
HUNK_DOC_LINES = 12_000


# --------------------------------------------------------------------------------------
# Command line, namespace
# --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--runs", type=int, default=5, help="interleaved runs per side (default 5)")
    p.add_argument("--turns", type=int, default=100, help="edit turns per run (default 100)")
    p.add_argument("--code-actions", type=int, default=1000, help="codeAction requests (1000)")
    p.add_argument("--deltas", type=int, default=100_000, help="deltas per flood (100000)")
    p.add_argument("--floods", type=int, default=3, help="floods per run, for memory (3)")
    p.add_argument(
        "--model-latency", type=float, default=0.0, metavar="MS",
        help="fixed latency the scripted model waits before each answer (default 0)",
    )
    p.add_argument("--quick", action="store_true", help="2 runs, 10 turns, small scaling table")
    p.add_argument("--skip-codex", action="store_true", help="measure codex-lsp only")
    p.add_argument(
        "--only", action="append", default=[], metavar="NAME",
        help=f"run only these sections (repeatable or comma-separated): {', '.join(SECTIONS)}",
    )
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "latest.json")
    p.add_argument(
        "--no-netns", action="store_true",
        help="do not enter a network namespace (the Codex side is then skipped)",
    )
    args = p.parse_args(argv)
    only = {name.strip() for item in args.only for name in item.split(",") if name.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        p.error(f"unknown --only section(s): {', '.join(sorted(unknown))}")
    args.sections = only or set(SECTIONS)
    if args.quick:
        args.runs = min(args.runs, 2)
        args.turns = min(args.turns, 10)
        args.code_actions = min(args.code_actions, 300)
        args.floods = min(args.floods, 2)
    return args


def codex_status(args: argparse.Namespace) -> str | None:
    """Why the Codex side is skipped, or None when it can run."""
    if args.skip_codex:
        return "skipped (--skip-codex)"
    if native_binary() is None:
        if shutil.which("npm") is None:
            return "skipped: npm is not available, so the Codex CLI cannot be installed"
        return (
            "skipped: the Codex CLI is not installed; run "
            "`npm install --prefix bench/.cache/codex @openai/codex` (see bench/README.md)"
        )
    if os.environ.get(NETNS_ENV) != "1":
        return (
            "skipped: not inside a loopback-only network namespace (`unshare -n` failed "
            "or --no-netns); Codex is only run where nothing can leave the machine"
        )
    return None


def reexec_in_netns(argv: list[str]) -> int | None:
    """Run the whole bench inside a loopback-only network namespace.

    Everything (scripted model, codex-lsp, Codex) then talks over 127.0.0.1 only and
    nothing can leave the machine.  Tries `unshare -n` (root), then `unshare -rn`
    (unprivileged user namespace).  Returns the child's exit code, or None if neither
    works (then the Codex side is skipped).
    """
    if shutil.which("unshare") is None:
        return None
    inner = "ip link set lo up 2>/dev/null || true; exec \"$@\""
    cmd = [sys.executable, "-m", "bench", *argv]
    env = {**os.environ, NETNS_ENV: "1"}
    for flags in (["-n"], ["-r", "-n"]):
        probe = subprocess.run(
            ["unshare", *flags, "sh", "-c", inner, "sh", sys.executable, "-c",
             "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()"],
            capture_output=True,
        )
        if probe.returncode == 0:
            return subprocess.call(["unshare", *flags, "sh", "-c", inner, "sh", *cmd], env=env)
    return None


# --------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------


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

    def add(self, figure: str, side: str, value: float | None) -> None:
        if value is None:
            return
        self.figures.setdefault(figure, {}).setdefault(side, []).append(value)

    def reply(self, items: list[Any]) -> Reply:
        return Reply(items, pause_before=self.latency_s)

    def script_edits(self, patches: list[str]) -> None:
        """Each edit turn: one apply_patch call, then a final message."""
        turns: list[Reply] = []
        for patch in patches:
            call = FunctionCall("apply_patch", {"input": patch})
            turns.append(self.reply([Text("Applying the change."), call]))
            turns.append(self.reply([Text("Done.")]))
        self.model.reset()
        self.model.script(*turns)

    def script_codex_edits(self, patches: list[str]) -> None:
        """Same turns for Codex: its apply_patch is freeform, so the argument is the raw
        patch (BenchModelServer sends it as a custom_tool_call)."""
        turns: list[Reply] = []
        for patch in patches:
            call = FunctionCall("apply_patch", patch)
            turns.append(self.reply([Text("Applying the change."), call]))
            turns.append(self.reply([Text("Done.")]))
        self.model.reset()
        self.model.script(*turns)

    # ---- edit turns, spawn, RSS -----------------------------------------------------------

    async def lsp_edit_run(self, run: int) -> None:
        sb = Sandbox.make("lsp", self.model.base_url, codex_cli=False)
        ed = LspEditor(sb)
        try:
            patches = [hello_patch(t)[0] for t in range(self.args.turns)]
            self.script_edits(patches)
            self.add("spawn_init_ms", "lsp", await ed.start())
            self.add("spawn_ready_ms", "lsp", ed.ready_ms)
            uri = ed.open(sb.workspace / "hello.py")
            await asyncio.sleep(1.0)
            idle = ed.memory()
            self.add("idle_hwm_mb", "lsp", idle["hwm_mb"])
            timings = []
            for t in range(self.args.turns):
                timings.append(await ed.edit_turn(uri, HELLO_RANGE))
                expected = hello_patch(t)[1]
                if ed.buffers[uri].text != expected:
                    raise RuntimeError(f"codex-lsp turn {t}: buffer not as expected")
            after = ed.memory()
            self._add_turns("lsp", timings)
            self.add("turns_hwm_mb", "lsp", after["hwm_mb"])
            self.details.append(
                {"side": "lsp", "run": run, "kind": "edit", "idle": idle, "after": after,
                 "turns": timings}
            )
        finally:
            await ed.stop()
            sb.remove()

    async def codex_edit_run(self, run: int) -> None:
        sb = Sandbox.make("codex", self.model.base_url, codex_cli=True)
        cx = CodexClient(sb)
        try:
            patches = [hello_patch(t)[0] for t in range(self.args.turns)]
            self.script_codex_edits(patches)
            self.add("spawn_init_ms", "codex", await cx.start())
            thread_ms = await cx.start_thread()
            await asyncio.sleep(1.0)
            idle = cx.memory()
            self.add("idle_hwm_mb", "codex", idle["hwm_mb"])
            self.add("idle_tree_hwm_mb", "codex", idle["tree_hwm_mb"])
            timings = []
            path = sb.workspace / "hello.py"
            for t in range(self.args.turns):
                timings.append(await cx.edit_turn(path, hello_patch(t)[1]))
            after = cx.memory()
            self._add_turns("codex", timings)
            self.add("turns_hwm_mb", "codex", after["hwm_mb"])
            self.add("turns_tree_hwm_mb", "codex", after["tree_hwm_mb"])
            self.details.append(
                {"side": "codex", "run": run, "kind": "edit", "thread_start_ms": thread_ms,
                 "idle": idle, "after": after, "turns": timings}
            )
        finally:
            await cx.stop()
            sb.remove()

    def _add_turns(self, side: str, timings: list[dict[str, float]]) -> None:
        first, warm = timings[0], timings[1:] or timings
        for key in ("start_to_approval_ms", "approval_to_edit_ms", "start_to_result_ms"):
            self.add(f"cold_{key}", side, first[key])
            self.add(f"warm_{key}", side, statistics.median(t[key] for t in warm))

    async def launcher_run(self) -> None:
        """Codex started through the npm package's node launcher (`bin/codex.js`)."""
        if launcher() is None:
            return
        sb = Sandbox.make("codexjs", self.model.base_url, codex_cli=True)
        cx = CodexClient(sb, via_launcher=True)
        try:
            self.add("launcher_spawn_init_ms", "codex", await cx.start())
        finally:
            await cx.stop()
            sb.remove()

    # ---- codeAction ---------------------------------------------------------------------

    async def lsp_codeaction_run(self, run: int) -> None:
        sb = Sandbox.make("lsp-ca", self.model.base_url, codex_cli=False)
        ed = LspEditor(sb)
        try:
            await ed.start()
            text = big_document(MB)
            path = sb.workspace / "big.py"
            path.write_text(text)
            uri = ed.open(path, text)
            mid = line_count(text) // 2
            for _ in range(10):  # warm-up: didOpen processed, code paths imported
                await ed.code_action(uri, mid)
            lat = [await ed.code_action(uri, mid) for _ in range(self.args.code_actions)]
            self.add("ca_p50_ms", "lsp", pct(lat, 50))
            self.add("ca_p99_ms", "lsp", pct(lat, 99))
            n = max(50, self.args.code_actions // 5)
            typed = []
            for _ in range(n):
                ed.type_char(uri, mid - 10)
                typed.append(await ed.code_action(uri, mid))
            self.add("ca_typing_p50_ms", "lsp", pct(typed, 50))
            self.add("ca_typing_p99_ms", "lsp", pct(typed, 99))
            self.details.append(
                {"side": "lsp", "run": run, "kind": "codeaction", "latencies_ms": lat,
                 "after_keystroke_ms": typed, "memory": ed.memory()}
            )
        finally:
            await ed.stop()
            sb.remove()

    # ---- streamed deltas ------------------------------------------------------------------

    async def lsp_flood_run(self, run: int) -> None:
        sb = Sandbox.make("lsp-flood", self.model.base_url, codex_cli=False)
        ed = LspEditor(sb)
        n = self.args.deltas
        try:
            self.model.reset()
            self.model.script(*[self.reply([Flood(n)]) for _ in range(self.args.floods)])
            await ed.start()
            await asyncio.sleep(0.5)
            mem = [ed.memory()]
            rates, floods = [], []
            for _ in range(self.args.floods):
                ed.text_chars = ed.text_events = 0
                ed.first_text_at = ed.last_text_at = 0.0
                result, sent, got = await ed.ask("stream a long answer")
                if ed.text_chars != n or len(result.get("text", "")) != n:
                    raise RuntimeError(
                        f"codex-lsp relayed {ed.text_chars} of {n} characters "
                        f"(result text {len(result.get('text', ''))})"
                    )
                rate = n / (ed.last_text_at - sent)
                rates.append(rate)
                mem.append(ed.memory())
                floods.append({"rate": rate, "events": ed.text_events,
                               "first_to_last_ms": (ed.last_text_at - ed.first_text_at) * 1000,
                               "result_ms": (got - sent) * 1000})
            self.add("flood_rate", "lsp", statistics.median(rates))
            self.add("flood_first_growth_mb", "lsp", mem[1]["hwm_mb"] - mem[0]["hwm_mb"])
            self.add("flood_hwm_growth_mb", "lsp", mem[-1]["hwm_mb"] - mem[1]["hwm_mb"])
            self.add("flood_rss_growth_mb", "lsp", mem[-1]["rss_mb"] - mem[1]["rss_mb"])
            self.add("flood_hwm_mb", "lsp", mem[-1]["hwm_mb"])
            self.details.append({"side": "lsp", "run": run, "kind": "flood", "floods": floods,
                                 "memory": mem})
        finally:
            await ed.stop()
            sb.remove()

    async def codex_flood_run(self, run: int) -> None:
        sb = Sandbox.make("codex-flood", self.model.base_url, codex_cli=True)
        cx = CodexClient(sb)
        n = self.args.deltas
        try:
            self.model.reset()
            self.model.script(*[self.reply([Flood(n)]) for _ in range(self.args.floods)])
            await cx.start()
            await cx.start_thread()
            await asyncio.sleep(0.5)
            mem = [cx.memory()]
            rates, floods = [], []
            for _ in range(self.args.floods):
                cx.delta_chars = cx.delta_events = 0
                cx.first_delta_at = cx.last_delta_at = 0.0
                sent, done = await cx.text_turn()
                if cx.delta_chars != n:
                    raise RuntimeError(f"Codex relayed {cx.delta_chars} of {n} characters")
                rate = n / (cx.last_delta_at - sent)
                rates.append(rate)
                mem.append(cx.memory())
                floods.append({"rate": rate, "events": cx.delta_events,
                               "first_to_last_ms": (cx.last_delta_at - cx.first_delta_at) * 1000,
                               "result_ms": (done - sent) * 1000})
            self.add("flood_rate", "codex", statistics.median(rates))
            self.add("flood_first_growth_mb", "codex", mem[1]["hwm_mb"] - mem[0]["hwm_mb"])
            self.add("flood_hwm_growth_mb", "codex", mem[-1]["hwm_mb"] - mem[1]["hwm_mb"])
            self.add("flood_rss_growth_mb", "codex", mem[-1]["rss_mb"] - mem[1]["rss_mb"])
            self.add("flood_hwm_mb", "codex", mem[-1]["hwm_mb"])
            self.details.append({"side": "codex", "run": run, "kind": "flood", "floods": floods,
                                 "memory": mem})
        finally:
            await cx.stop()
            sb.remove()

    # ---- scaling ----------------------------------------------------------------------------

    async def _point(
        self, out: dict[str, Any], table: str, key: str, label: str, body: Any
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

    async def scaling_lsp(self, sizes: list[int], hunks: list[int], reps: int) -> None:
        sb = Sandbox.make("lsp-scale", self.model.base_url, codex_cli=False)
        ed = LspEditor(sb)
        out: dict[str, Any] = {"size": {}, "hunks": {}}
        n_ca = max(50, self.args.code_actions // 5)
        try:
            await ed.start()
            self.script_edits([hello_patch(0)[0]])  # warm-up turn: imports, first connection
            await ed.edit_turn(ed.open(sb.workspace / "hello.py"), HELLO_RANGE)

            async def by_size(size: int) -> dict[str, float]:
                text = big_document(size)
                path = sb.workspace / f"size_{size}.py"
                path.write_text(text)
                uri = ed.open(path, text)
                mid = line_count(text) // 2
                for _ in range(5):
                    await ed.code_action(uri, mid)
                lat = [await ed.code_action(uri, mid) for _ in range(n_ca)]
                typed = []
                for _ in range(max(20, n_ca // 5)):
                    ed.type_char(uri, 0)
                    typed.append(await ed.code_action(uri, mid))
                turns = await self._lsp_turns(ed, uri, path.name, [mid], reps,
                                              (mid - 2, mid + 3))
                return {"ca_p50_ms": pct(lat, 50), "ca_p99_ms": pct(lat, 99),
                        "ca_typing_p50_ms": pct(typed, 50), "ca_typing_p99_ms": pct(typed, 99),
                        **turns}

            for size in sizes:
                await self._point(out, "size", str(size), f"codex-lsp {human_size(size)}",
                                  lambda size=size: by_size(size))
            text = big_document(HUNK_DOC_LINES * LINE_BYTES)
            path = sb.workspace / "hunks.py"
            path.write_text(text)
            uri = ed.open(path, text)
            n_lines = line_count(text)
            for h in hunks:
                await self._point(
                    out, "hunks", str(h), f"codex-lsp {h} hunks",
                    lambda h=h: self._lsp_turns(ed, uri, path.name, hunk_lines(n_lines, h),
                                                reps, (0, 10)),
                )
            out["memory"] = ed.memory()
        except Exception as exc:
            self.errors.append(f"scaling codex-lsp: {exc}"[:300])
            report.progress(f"  scaling codex-lsp FAILED: {exc}")
        finally:
            await ed.stop()
            sb.remove()
        self.scaling["lsp"] = out

    async def _lsp_turns(self, ed: LspEditor, uri: str, name: str, lines: list[int],
                         reps: int, sel: tuple[int, int]) -> dict[str, float]:
        """`reps` edit turns changing `lines`, on a fresh thread; median timings."""
        cur = ed.buffers[uri].text
        patches, texts = [], []
        for _ in range(reps):
            patch, cur = big_patch(name, cur, lines, 0)
            patches.append(patch)
            texts.append(cur)
        self.script_edits(patches)
        await ed.new_thread()
        rng = {"start": {"line": sel[0], "character": 0}, "end": {"line": sel[1], "character": 0}}
        turns = []
        for t in range(reps):
            turns.append(await ed.edit_turn(uri, rng))
            if ed.buffers[uri].text != texts[t]:
                raise RuntimeError("the editor buffer is not as expected after the edit")
        return median_turn(turns)

    async def scaling_codex(self, sizes: list[int], hunks: list[int], reps: int) -> None:
        sb = Sandbox.make("codex-scale", self.model.base_url, codex_cli=True)
        cx = CodexClient(sb)
        out: dict[str, Any] = {"size": {}, "hunks": {}}
        try:
            await cx.start()
            await cx.start_thread()
            self.script_codex_edits([hello_patch(0)[0]])  # warm-up turn
            await cx.edit_turn(sb.workspace / "hello.py", hello_patch(0)[1])

            async def turns_on(path: Path, lines: list[int]) -> dict[str, float]:
                cur = path.read_text()  # noqa: ASYNC240 - setup, not timed
                patches, texts = [], []
                for _ in range(reps):
                    patch, cur = big_patch(path.name, cur, lines, 0)
                    patches.append(patch)
                    texts.append(cur)
                self.script_codex_edits(patches)
                await cx.start_thread()  # fresh history, as codex-lsp gets a new thread
                return median_turn([await cx.edit_turn(path, texts[t]) for t in range(reps)])

            for size in sizes:
                text = big_document(size)
                path = sb.workspace / f"size_{size}.py"
                path.write_text(text)
                mid = line_count(text) // 2
                await self._point(out, "size", str(size), f"Codex {human_size(size)}",
                                  lambda path=path, mid=mid: turns_on(path, [mid]))
            text = big_document(HUNK_DOC_LINES * LINE_BYTES)
            hpath = sb.workspace / "hunks.py"
            hpath.write_text(text)
            n_lines = line_count(text)
            for h in hunks:
                await self._point(out, "hunks", str(h), f"Codex {h} hunks",
                                  lambda h=h: turns_on(hpath, hunk_lines(n_lines, h)))
            out["memory"] = cx.memory()
        except Exception as exc:
            self.errors.append(f"scaling Codex: {exc}"[:300])
            report.progress(f"  scaling Codex FAILED: {exc}")
        finally:
            await cx.stop()
            sb.remove()
        self.scaling["codex"] = out


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


def median_turn(turns: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(t[k] for t in turns) for k in turns[0]}


def human_size(n: int) -> str:
    return f"{n // MB} MB" if n >= MB else f"{n // KB} KB"


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


async def run_bench(args: argparse.Namespace, codex_skip: str | None) -> dict[str, Any]:
    codex = codex_skip is None
    model = BenchModelProcess().start()
    bench = Bench(args, model, codex)
    started = time.time()
    want = args.sections
    async def step(label: str, coro: Any) -> None:
        report.progress(f"  {label}")
        try:
            await coro
        except Exception as exc:
            bench.errors.append(f"run {run + 1}, {label}: {type(exc).__name__}: {exc}"[:400])
            report.progress(f"    FAILED: {type(exc).__name__}: {exc}"[:400])

    run = 0
    try:
        for run in range(args.runs):
            report.progress(f"run {run + 1}/{args.runs}")
            if "edit" in want:
                await step("codex-lsp: spawn, idle RSS, edit turns", bench.lsp_edit_run(run))
                if codex:
                    await step("Codex: spawn, idle RSS, edit turns", bench.codex_edit_run(run))
            if "launcher" in want and codex:
                await step("Codex via node launcher: spawn", bench.launcher_run())
            if "codeaction" in want:
                await step("codex-lsp: codeAction on 1 MB", bench.lsp_codeaction_run(run))
            if "flood" in want:
                label = f"{args.floods} x Flood({args.deltas})"
                await step(f"codex-lsp: {label}", bench.lsp_flood_run(run))
                if codex:
                    await step(f"Codex: {label}", bench.codex_flood_run(run))
        if "scaling" in want:
            sizes = [KB, 10 * KB, 100 * KB, MB, 10 * MB]
            hunks = [1, 10, 100, 1000]
            reps = 3
            if args.quick:
                sizes, hunks, reps = [KB, 100 * KB, MB], [1, 100], 2
            report.progress("scaling table")
            await bench.scaling_lsp(sizes, hunks, reps)
            if codex:
                await bench.scaling_codex(sizes, hunks, reps)
    finally:
        model.stop()
    return {
        "meta": meta(args, codex_skip, time.time() - started),
        "figures": bench.figures,
        "summary": report.summarize(bench.figures),
        "scaling": bench.scaling,
        "errors": bench.errors,
        "details": bench.details,
    }


def meta(args: argparse.Namespace, codex_skip: str | None, elapsed: float) -> dict[str, Any]:
    from codex_lsp import __version__

    load = os.getloadavg()
    git = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "git": git,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "elapsed_s": round(elapsed, 1),
        "codex_lsp_version": __version__,
        "codex_version": installed_version() if codex_skip is None else None,
        "codex": codex_skip or "measured (native binary from the npm package, `app-server`)",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "loadavg_at_end": [round(x, 2) for x in load],
        "runs": args.runs,
        "turns": args.turns,
        "code_actions": args.code_actions,
        "deltas": args.deltas,
        "floods": args.floods,
        "model_latency_ms": args.model_latency,
        "sections": sorted(args.sections),
        "netns": os.environ.get(NETNS_ENV) == "1",
    }


def main(argv: list[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(raw)
    if (
        os.environ.get(NETNS_ENV) != "1"
        and not args.skip_codex
        and not args.no_netns
        and native_binary() is not None
    ):
        code = reexec_in_netns(raw)
        if code is not None:
            return code
        print("note: could not enter a network namespace; the Codex side is skipped",
              file=sys.stderr)
    skip = codex_status(args)
    if skip:
        print(f"Codex CLI: {skip}", file=sys.stderr)
    results = asyncio.run(run_bench(args, skip))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(report.render(results))
    print(f"\nwrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
