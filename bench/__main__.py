"""`python -m bench`: codex-lsp against the real Codex CLI on the same scripted model.

Run from the repository root.  See bench/README.md for what each figure means.
"""

# This module is the command line, the network namespace and the run order; the sections
# are in bench/sections.py, the two sides behind one `Side` protocol in bench/sides.py.

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import devserver, inline, intel, report, windows
from bench.codex_side import installed_version, native_binary
from bench.fixtures import REPO
from bench.model import BenchModelProcess
from bench.sections import KB, MB, Bench

NETNS_ENV = "CODEX_LSP_BENCH_NETNS"
SECTIONS = (
    "startup", "edit", "codeaction", "inline", "flood", "launcher", "scaling", "windows", "intel",
    "devserver",
)


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
        "--inline-requests", type=int, default=200, help="inline completions timed per run (200)"
    )
    p.add_argument("--keystrokes", type=int, default=200, help="keystrokes typed per run (200)")
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
        args.inline_requests = min(args.inline_requests, 100)
        args.keystrokes = min(args.keystrokes, 100)
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
            if "startup" in want:
                for side in bench.sides():
                    await step(f"{side.label}: cold and warm start", bench.startup_run(side, run))
            if "edit" in want:
                for side in bench.sides():
                    await step(f"{side.label}: spawn, idle RSS, edit turns",
                               bench.edit_run(side, run))
            if "launcher" in want and codex:
                await step("Codex via node launcher: spawn", bench.launcher_run())
            if "codeaction" in want:
                for side in bench.sides():
                    if side.code_actions:
                        await step(f"{side.label}: codeAction on 1 MB",
                                   bench.codeaction_run(side, run))
            if "inline" in want:  # codex-lsp only: the Codex CLI has no inline completions
                await step(f"codex-lsp: {args.inline_requests} inline completions on 1 MB",
                           inline.latency_run(bench, run, args.inline_requests))
                await step(f"codex-lsp: typing {args.keystrokes} keystrokes",
                           inline.typing_run(bench, run, args.keystrokes))
            if "intel" in want:  # codex-lsp only: diagnostics after edits, on vs off
                await step("codex-lsp: type-error task, code intelligence on / off",
                           intel.intel_runs(bench, run))
            if "devserver" in want:
                for side in bench.sides():
                    await step(f"{side.label}: dev server started, polled, stopped",
                               devserver.devserver_run(bench, side, run))
            if "flood" in want:
                for side in bench.sides():
                    await step(f"{side.label}: {args.floods} x Flood({args.deltas})",
                               bench.flood_run(side, run))
        if "windows" in want:
            report.progress("memory of 1, 3 and 10 windows")
            await step("windows: private, daemon, Codex", windows.windows_run(bench))
        if "scaling" in want:
            sizes = [KB, 10 * KB, 100 * KB, MB, 10 * MB]
            hunks = [1, 10, 100, 1000]
            reps = 3
            if args.quick:
                sizes, hunks, reps = [KB, 100 * KB, MB], [1, 100], 2
            report.progress("scaling table")
            for side in bench.sides():
                await bench.scaling_run(side, sizes, hunks, reps)
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
        "inline_requests": args.inline_requests,
        "keystrokes": args.keystrokes,
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
    table = intel.render(results["figures"])
    if table:
        print("\n" + table)
    print(f"\nwrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
