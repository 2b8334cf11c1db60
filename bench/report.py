"""Summaries (median, min-max, ratio), target checks and the printed tables."""

from __future__ import annotations

import statistics
import sys
from typing import Any

# key, label, unit, target (kind, value) or None
ROWS: list[tuple[str, str, str, tuple[str, float] | None]] = [
    ("cold_spawn_init_ms", "cold start: spawn -> initialize response", "ms", ("ratio<=", 1.0)),
    ("cold_spawn_action_ms", "cold: spawn -> 1st codeAction answered*", "ms", ("ratio<=", 1.0)),
    ("cold_spawn_command_ms", "cold: spawn -> 1st executeCommand answered*", "ms",
     ("ratio<=", 1.0)),
    ("warm_spawn_init_ms", "warm start: spawn -> initialize response", "ms", ("ratio<=", 1.0)),
    ("warm_spawn_action_ms", "warm: spawn -> 1st codeAction answered*", "ms", ("ratio<=", 1.0)),
    ("warm_spawn_command_ms", "warm: spawn -> 1st executeCommand answered*", "ms",
     ("ratio<=", 1.0)),
    ("daemon_cold_spawn_init_ms", "--daemon, 1st start: spawn -> initialize", "ms",
     ("ratio<=", 1.0)),
    ("daemon_cold_spawn_action_ms", "--daemon, 1st start: -> 1st codeAction*", "ms",
     ("ratio<=", 1.0)),
    ("daemon_cold_spawn_command_ms", "--daemon, 1st start: -> 1st executeCommand*", "ms",
     ("ratio<=", 1.0)),
    ("daemon_warm_spawn_init_ms", "--daemon, 2nd window: spawn -> initialize", "ms",
     ("ratio<=", 1.0)),
    ("daemon_warm_spawn_action_ms", "--daemon, 2nd window: -> 1st codeAction*", "ms",
     ("ratio<=", 1.0)),
    ("daemon_warm_spawn_command_ms", "--daemon, 2nd window: -> 1st executeCommand*", "ms",
     ("ratio<=", 1.0)),
    ("windows_1_pss_mb", "1 window: memory (PSS, all processes)", "MB", None),
    ("daemon_windows_1_pss_mb", "  through the daemon", "MB", None),
    ("windows_3_pss_mb", "3 windows: memory (PSS, all processes)", "MB", None),
    ("daemon_windows_3_pss_mb", "  through the daemon", "MB", None),
    ("windows_10_pss_mb", "10 windows: memory (PSS, all processes)", "MB", None),
    ("daemon_windows_10_pss_mb", "  through the daemon", "MB", None),
    ("mcp_windows_1_pss_mb", "1 window with an MCP server: memory (PSS)", "MB", None),
    ("mcp_daemon_windows_1_pss_mb", "  through the daemon (its broker runs it)", "MB", None),
    ("mcp_windows_3_pss_mb", "3 windows with an MCP server: memory (PSS)", "MB", None),
    ("mcp_daemon_windows_3_pss_mb", "  through the daemon (one shared server)", "MB", None),
    ("mcp_windows_3_mcp_processes", "3 windows: MCP server processes", "proc", None),
    ("mcp_daemon_windows_3_mcp_processes", "  through the daemon", "proc", None),
    ("spawn_init_ms", "spawn -> initialize response (edit runs)", "ms", ("ratio<=", 1.0)),
    ("spawn_ready_ms", "  codex-lsp: spawn -> 1st command answered", "ms", None),
    ("launcher_spawn_init_ms", "  Codex via npm node launcher", "ms", None),
    ("cold_start_to_approval_ms", "1st turn: start -> approval request", "ms", ("ratio<=", 0.25)),
    ("warm_start_to_approval_ms", "turn: start -> approval request", "ms", ("ratio<=", 0.25)),
    ("cold_approval_to_edit_ms", "1st turn: approval -> edit delivered", "ms", None),
    ("warm_approval_to_edit_ms", "turn: approval -> edit delivered", "ms", None),
    ("cold_start_to_result_ms", "1st turn: start -> result", "ms", None),
    ("warm_start_to_result_ms", "turn: start -> result", "ms", None),
    ("idle_hwm_mb", "peak RSS idle (VmHWM)", "MB", ("ratio<=", 0.5)),
    ("turns_hwm_mb", "peak RSS after the turns", "MB", ("ratio<=", 0.5)),
    ("idle_tree_hwm_mb", "  Codex incl. child processes, idle", "MB", None),
    ("turns_tree_hwm_mb", "  Codex incl. child processes, after", "MB", None),
    ("ca_p50_ms", "codeAction 1 MB doc p50", "ms", None),
    ("ca_p99_ms", "codeAction 1 MB doc p99", "ms", ("lsp<", 5.0)),
    ("ca_typing_p50_ms", "codeAction after a keystroke p50", "ms", None),
    ("ca_typing_p99_ms", "codeAction after a keystroke p99", "ms", None),
    ("inline_rt_p50_ms", "inline completion 1 MB doc, round trip p50", "ms", None),
    ("inline_rt_p99_ms", "inline completion 1 MB doc, round trip p99", "ms", None),
    ("inline_server_p50_ms", "  server's own time (minus the model's) p50", "ms", None),
    ("inline_server_p99_ms", "  server's own time (minus the model's) p99", "ms", None),
    ("inline_direct_p50_ms", "  same FIM request by plain httpx, minus the model's, p50", "ms",
     None),
    ("inline_direct_p99_ms", "  same FIM request by plain httpx, minus the model's, p99", "ms",
     None),
    ("inline_layer_p50_ms", "  server's own minus plain httpx's, per pair, p50", "ms", None),
    ("inline_layer_p99_ms", "  server's own minus plain httpx's, per pair, p99", "ms",
     ("lsp<", 2.0)),
    ("typing_editor_requests", "typing: completions the editor asked for", "req", None),
    ("typing_model_requests", "typing: requests the model server received", "req", None),
    ("typing_saved_pct", "typing: requests saved (debounce, cancel, cache)", "%", None),
    ("typing_debounced", "  dropped while debouncing (no model call)", "req", None),
    ("typing_cut_short", "  model calls cut short (stream closed)", "req", None),
    ("typing_cache_hits", "  answered from the prefix cache", "req", None),
    ("devserver_turn_ms", "dev server turn: start, poll, Ctrl-C (waits 5.5 s)", "ms", None),
    ("devserver_start_own_ms", "  exec_command start: own time (minus its wait)", "ms", None),
    ("devserver_poll_own_ms", "  write_stdin poll: own time (minus its wait)", "ms", None),
    ("devserver_stop_own_ms", "  write_stdin Ctrl-C -> server gone, next request", "ms", None),
    ("flood_rate", "streamed deltas relayed", "/s", ("lsp>=", 50_000.0)),
    ("flood_hwm_mb", "peak RSS after the floods", "MB", None),
    ("flood_first_growth_mb", "VmHWM growth, idle -> 1st flood", "MB", None),
    ("flood_hwm_growth_mb", "VmHWM growth, 1st -> last flood", "MB", ("flat", 2.0)),
    ("flood_rss_growth_mb", "VmRSS growth, 1st -> last flood", "MB", ("flat", 2.0)),
    ("cost_first_request_kb", "cost: 1st request body", "KB", None),
    ("cost_request_kb", "cost: request body, median over the run", "KB", None),
    ("cost_first_turn_tokens", "cost: est. tokens sent, 1st turn (bytes/4)", "tok", None),
    ("cost_turn_tokens", "cost: est. tokens sent per turn, median", "tok", None),
    ("cost_prefix_pct", "cost: unchanged prefix of previous request, median", "%", None),
    ("cost_prefix_min_pct", "cost: unchanged prefix of previous request, min", "%", None),
]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _stats(values: list[float] | None) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def summarize(figures: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, label, unit, target in ROWS:
        sides = figures.get(key)
        if not sides:
            continue
        lsp, codex = _stats(sides.get("lsp")), _stats(sides.get("codex"))
        ratio = None
        if lsp and codex and codex["median"] and "growth" not in key:
            ratio = lsp["median"] / codex["median"]
        out[key] = {
            "label": label,
            "unit": unit,
            "lsp": lsp,
            "codex": codex,
            "ratio": ratio,
            "target": _target_text(target),
            "met": _met(target, lsp, codex, ratio),
        }
    return out


def _target_text(target: tuple[str, float] | None) -> str | None:
    if target is None:
        return None
    kind, value = target
    return {
        "ratio<=": f"ratio <= {value:g}",
        "lsp<": f"< {value:g}",
        "lsp>=": f">= {value:,.0f}",
        "flat": f"|growth| < {value:g} MB",
    }[kind]


def _met(
    target: tuple[str, float] | None,
    lsp: dict[str, float] | None,
    codex: dict[str, float] | None,
    ratio: float | None,
) -> bool | None:
    if target is None or lsp is None:
        return None
    kind, value = target
    if kind == "ratio<=":
        return None if ratio is None else ratio <= value
    if kind == "lsp<":
        return lsp["median"] < value
    if kind == "lsp>=":
        return lsp["median"] >= value
    if kind == "flat":
        return abs(lsp["max"]) < value
    return None


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "/s":
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(s: dict[str, float] | None, unit: str) -> str:
    if s is None:
        return "-"
    if s["n"] == 1:
        return fmt(s["median"], unit)
    return f"{fmt(s['median'], unit)} ({fmt(s['min'], unit)}-{fmt(s['max'], unit)})"


def table_lines(summary: dict[str, Any]) -> list[str]:
    header = ["figure", "unit", "codex-lsp median (min-max)", "Codex median (min-max)",
              "ratio", "target"]
    rows = []
    for key, _label, _unit, _t in ROWS:
        row = summary.get(key)
        if row is None:
            continue
        met = row["met"]
        mark = "" if met is None else (" ok" if met else " MISSED")
        rows.append(
            [
                row["label"],
                row["unit"],
                _cell(row["lsp"], row["unit"]),
                _cell(row["codex"], row["unit"]),
                "-" if row["ratio"] is None else f"{row['ratio']:.2f}",
                (row["target"] or "") + mark,
            ]
        )
    return _markdown(header, rows)


def _markdown(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [
        line(r) for r in rows
    ]


def scaling_lines(scaling: dict[str, Any]) -> list[str]:
    lsp, codex = scaling.get("lsp"), scaling.get("codex")
    if not lsp:
        return []
    out = ["Document size (one-hunk edit in the middle; codeAction in the middle of the doc):", ""]
    header = ["doc size", "codeAction p50/p99 ms", "after keystroke p50/p99 ms",
              "codex-lsp start->approval ms", "codex-lsp start->result ms",
              "Codex start->approval ms", "Codex start->result ms", "ratio approval / result"]
    rows = []
    for size, r in lsp["size"].items():
        c = (codex or {}).get("size", {}).get(size) or {}
        r = {k: v for k, v in r.items() if k != "error"}
        n = int(size)
        label = f"{n // 1048576} MB" if n >= 1048576 else f"{n // 1024} KB"
        rows.append([
            label,
            f"{fmt(r.get('ca_p50_ms'), 'ms')} / {fmt(r.get('ca_p99_ms'), 'ms')}",
            f"{fmt(r.get('ca_typing_p50_ms'), 'ms')} / {fmt(r.get('ca_typing_p99_ms'), 'ms')}",
            fmt(r.get("start_to_approval_ms"), "ms"),
            fmt(r.get("start_to_result_ms"), "ms"),
            fmt(c.get("start_to_approval_ms"), "ms"),
            fmt(c.get("start_to_result_ms"), "ms"),
            _ratios(r, c),
        ])
    out += _markdown(header, rows)
    out += [
        "",
        "Patch size (hunks spread over one 12,000-line file of ~850 KB; "
        "one context line each side):",
        "",
    ]
    header = ["hunks", "codex-lsp start->approval ms", "codex-lsp approval->edit ms",
              "codex-lsp start->result ms", "Codex start->approval ms",
              "Codex approval->file ms", "Codex start->result ms", "ratio approval / result"]
    rows = []
    for h, r in lsp["hunks"].items():
        c = (codex or {}).get("hunks", {}).get(h) or {}
        r = {k: v for k, v in r.items() if k != "error"}
        rows.append([
            h,
            fmt(r.get("start_to_approval_ms"), "ms"),
            fmt(r.get("approval_to_edit_ms"), "ms"),
            fmt(r.get("start_to_result_ms"), "ms"),
            fmt(c.get("start_to_approval_ms"), "ms"),
            fmt(c.get("approval_to_edit_ms"), "ms"),
            fmt(c.get("start_to_result_ms"), "ms"),
            _ratios(r, c),
        ])
    out += _markdown(header, rows)
    return out


def _ratios(lsp: dict[str, float], codex: dict[str, float]) -> str:
    """codex-lsp / Codex for start -> approval and start -> result ("-" without Codex)."""
    parts = []
    for key in ("start_to_approval_ms", "start_to_result_ms"):
        a, b = lsp.get(key), codex.get(key)
        parts.append(f"{a / b:.2f}" if a is not None and b else "-")
    return " / ".join(parts)


def render(results: dict[str, Any]) -> str:
    m = results["meta"]
    lines = [
        f"codex-lsp {m['codex_lsp_version']} vs Codex CLI {m['codex_version'] or '-'}"
        f" ({m['codex']})",
        f"{m['runs']} interleaved runs, {m['turns']} edit turns per run, "
        f"model latency {m['model_latency_ms']:g} ms, {m['machine']}, "
        f"load average at end {m['loadavg_at_end']}",
        "",
    ]
    lines += table_lines(results["summary"])
    if any(k.endswith(("_action_ms", "_command_ms")) for k in results["summary"]):
        lines += ["", "* Codex column: Codex's spawn -> initialize response (it answers no "
                  "code action, and nothing but `initialize` before it is initialized)."]
    scaling = scaling_lines(results.get("scaling") or {})
    if scaling:
        lines += ["", "Scaling (median of the turns at each point)", "", *scaling]
    missed = [r["label"] for r in results["summary"].values() if r["met"] is False]
    lines += ["", "Targets missed: " + (", ".join(missed) if missed else "none")]
    if results.get("errors"):
        lines += ["", "ERRORS (figures above exclude these runs):"]
        lines += [f"- {e}" for e in results["errors"]]
    return "\n".join(lines)
