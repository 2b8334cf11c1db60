"""Code intelligence on vs off: turns and tokens until a type error the model made is fixed.

codex-lsp only (a feature the Codex CLI does not have). The task: the model edits
`typed.py` so that it calls `greet(42)` where a `str` is expected. A stand-in model
that acts only on what it is shown (`policy`, served by a reactive scripted server):

* it fixes the call only when a tool result shows the type error;
* **on** (`[lsp_servers.pyright]`, diagnostics after edits): the edit's own result
  names the error, so it fixes it in the same turn;
* **off, checking**: like a careful terminal agent, it runs the type checker through
  `shell` after each edit and fixes what it reports;
* **off, trusting**: it ends the turn after the edit; the user finds the error later
  and asks for a fix in a second turn, where it runs the checker, then fixes.

Figures per variant: model requests, user turns, estimated input tokens (request
`input` characters / 4), whether the file ends clean (checked with the basedpyright
CLI on the saved buffer), and the wall time from the task to the clean file (*: the
second user turn of `off_trusting` is sent at once; a real user would take longer;
the model answers instantly). The Codex CLI has no equivalent, so it is not run.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.fixtures import DUMMY_KEY_VAR, Sandbox
from bench.lsp_side import LspEditor
from bench.model import BenchModelServer, FunctionCall, Reply, Text, _BenchHandler

if TYPE_CHECKING:
    from bench.sections import Bench

TYPED = 'def greet(name: str) -> str:\n    return "hi " + name\n\n\nprint(greet("bob"))\n'
BREAK = (
    "*** Begin Patch\n*** Update File: typed.py\n@@\n"
    '-print(greet("bob"))\n+print(greet(42))\n*** End Patch\n'
)
FIX = (
    "*** Begin Patch\n*** Update File: typed.py\n@@\n"
    "-print(greet(42))\n+print(greet(str(42)))\n*** End Patch\n"
)
VARIANTS = ("on", "off_checking", "off_trusting")
BIN = Path(sys.executable).parent
CHECKER = [str(BIN / "basedpyright"), "typed.py"]


def _outputs_since_user(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(tool outputs, tool-call arguments) after the last user message of the request."""
    items = body.get("input") or []
    last_user = max((i for i, it in enumerate(items) if it.get("role") == "user"), default=-1)
    outputs: list[str] = []
    calls: list[str] = []
    for item in items[last_user + 1 :]:
        kind = item.get("type")
        if kind in ("function_call_output", "custom_tool_call_output"):
            out = item.get("output")
            outputs.append(out if isinstance(out, str) else json.dumps(out))
        elif kind in ("function_call", "custom_tool_call"):
            calls.append(str(item.get("arguments") or item.get("input") or ""))
    return outputs, calls


def policy(body: dict[str, Any], check_with_shell: bool) -> Reply:
    """The stand-in model: acts only on what the request shows it."""
    outputs, calls = _outputs_since_user(body)
    fixed = any("greet(str(42))" in c for c in calls)
    checked = any("basedpyright" in c for c in calls)
    if not outputs:
        if "type error" in json.dumps(body.get("input", [])[-1:]):  # the user's follow-up
            return Reply([FunctionCall("shell", {"command": CHECKER})])
        return Reply([Text("Calling greet with the count."), FunctionCall("apply_patch", BREAK)])
    last = outputs[-1]
    sees_error = "reportArgumentType" in last and "42" in last and not fixed
    if sees_error:
        return Reply([Text("That call is a type error; fixing."), FunctionCall("apply_patch", FIX)])
    if check_with_shell and not checked and not fixed:
        return Reply([FunctionCall("shell", {"command": CHECKER})])
    return Reply([Text("Done.")])


class _ReactiveHandler(_BenchHandler):
    def _serve_turn(self, turn: Any, kind: str, body: dict[str, Any], *args: Any) -> None:
        owner = self.server.owner  # type: ignore[attr-defined]
        super()._serve_turn(policy(body, owner.check_with_shell), kind, body, *args)


class ReactiveModel(BenchModelServer):
    """The scripted server, answering each request from `policy` instead of a queue."""

    handler_class = _ReactiveHandler
    check_with_shell = False


class _SavingEditor(LspEditor):
    """Saves each applied edit to disk (auto-save), so the shell's checker sees it."""

    def _on_apply_edit(self, params: Any) -> Any:
        answer = super()._on_apply_edit(params)
        for uri, buf in self.buffers.items():
            Path(uri.removeprefix("file://")).write_text(buf.text)
        return answer


def _config(base_url: str, variant: str) -> str:
    pyright = json.dumps([str(BIN / "basedpyright-langserver"), "--stdio"])
    on = variant == "on"
    return (
        'model = "gpt-5.5"\nmodel_provider = "scripted"\n'
        'approval_policy = "never"\nsandbox_mode = "danger-full-access"\n\n'
        f'[model_providers.scripted]\nname = "Scripted"\nbase_url = "{base_url}"\n'
        f'wire_api = "responses"\nenv_key = "{DUMMY_KEY_VAR}"\n\n'
        f"[lsp_servers.pyright]\ncommand = {pyright}\nfiles = [\"*.py\"]\n\n"
        f"[code_intel]\ndiagnostics_after_edit = {'true' if on else 'false'}\n"
        # A cold basedpyright on a loaded 2-core machine: a generous bound (ends at the publish).
        "diagnostics_wait_ms = 30000\nquery_tools = false\n"
    )


def _errors(path: Path) -> int:
    done = subprocess.run(
        [str(BIN / "basedpyright"), "--outputjson", path.name],
        cwd=path.parent, capture_output=True, text=True, timeout=120,
    )
    summary = json.loads(done.stdout or "{}").get("summary", {})
    return int(summary.get("errorCount", -1))


async def _task(editor: LspEditor, prompt: str) -> dict[str, Any]:
    result = await editor.rpc.request(
        "workspace/executeCommand",
        {"command": "codex.runTask", "arguments": [{"prompt": prompt}]},
        wait_s=300,
    )
    if not isinstance(result, dict) or result.get("status") == "failed":
        raise RuntimeError(f"intel task failed: {result!r}"[:400])
    return result


async def variant_run(bench: Bench, run: int, variant: str) -> None:
    """One task to a clean file (or two turns for `off_trusting`); figures by variant."""
    model = ReactiveModel().start()
    model.check_with_shell = variant == "off_checking"
    sandbox = Sandbox.make(f"intel-{variant}", model.base_url, codex_cli=False)
    (sandbox.home / "config.toml").write_text(_config(model.base_url, variant))
    (sandbox.workspace / "pyrightconfig.json").write_text('{"typeCheckingMode": "standard"}\n')
    path = sandbox.workspace / "typed.py"
    path.write_text(TYPED)
    editor = _SavingEditor(sandbox)
    turns = 0
    try:
        await editor.start()
        editor.open(path, TYPED)
        started = time.perf_counter()
        await _task(editor, "Print a greeting for the number 42.")
        turns = 1
        if variant == "off_trusting" and _errors(path) > 0:
            await _task(editor, "typed.py has a type error now; run the checker and fix it.")
            turns = 2
        seconds = time.perf_counter() - started
    finally:
        await editor.stop()
        model.stop()
    errors = _errors(path)
    requests = [r for r in model.requests if r.kind == "responses"]
    tokens = sum(len(json.dumps((r.body or {}).get("input", []))) // 4 for r in requests)
    name = f"intel_{variant}"
    bench.add("intel_model_requests", name, float(len(requests)))
    bench.add("intel_user_turns", name, float(turns))
    bench.add("intel_input_tokens_est", name, float(tokens))
    bench.add("intel_clean_file", name, 1.0 if errors == 0 else 0.0)
    bench.add("intel_seconds", name, seconds)
    if variant == "on" and len(requests) < 3:
        raise RuntimeError(f"the edit did not go as scripted: {_last_outputs(requests)}"[:600])
    bench.details.append(
        {"side": name, "run": run, "kind": "intel", "requests": len(requests),
         "turns": turns, "input_tokens_est": tokens, "errors_left": errors,
         "seconds": round(seconds, 2)}
    )
    sandbox.remove()


def _last_outputs(requests: list[Any]) -> list[str]:
    return _outputs_since_user(requests[-1].body or {})[0] if requests else []


async def intel_runs(bench: Bench, run: int) -> None:
    for variant in VARIANTS:
        await variant_run(bench, run, variant)
        await asyncio.sleep(0)


FIGURES = (
    ("intel_model_requests", "model requests to a clean file"),
    ("intel_user_turns", "user turns"),
    ("intel_input_tokens_est", "input tokens (est.)"),
    ("intel_clean_file", "file clean at the end (1 = yes)"),
    ("intel_seconds", "wall time, task to clean file (s)*"),
)


def render(figures: dict[str, dict[str, list[float]]]) -> str:
    """The on/off table (medians over runs), or "" when the section did not run."""
    if not any(name in figures for name, _ in FIGURES):
        return ""
    head = f"{'code intelligence (type error task)':<38}" + "".join(
        f"{v:>15}" for v in VARIANTS
    )
    lines = [head]
    for name, label in FIGURES:
        cells = []
        for variant in VARIANTS:
            values = sorted(figures.get(name, {}).get(f"intel_{variant}", []))
            cells.append(f"{values[len(values) // 2]:>15.3g}" if values else f"{'—':>15}")
        lines.append(f"{label:<38}" + "".join(cells))
    return "\n".join(lines)
