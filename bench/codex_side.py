"""The real Codex CLI (`codex app-server`, JSON-RPC over stdio, one JSON object a line).

Protocol as `codex app-server generate-json-schema` (0.169) describes it:
`initialize {clientInfo}` + `initialized`, `thread/start {cwd, approvalPolicy}`,
`turn/start {threadId, input: [{type: "text", text}]}`, server->client
`item/fileChange/requestApproval` answered `{decision: "accept"}`, and the
`turn/completed` notification.  Streamed text arrives as `item/agentMessage/delta`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from bench.fixtures import CACHE, Sandbox
from bench.proc import memory_mb
from bench.rpc import RpcClient, clean_env, delta_length

PACKAGE_DIR = CACHE / "codex"
_TRIPLES = {
    ("x86_64", "linux"): ("@openai/codex-linux-x64", "x86_64-unknown-linux-musl"),
    ("aarch64", "linux"): ("@openai/codex-linux-arm64", "aarch64-unknown-linux-musl"),
}
AGENT_DELTA = re.compile(rb'"method":\s*"item/agentMessage/delta"')


def native_binary() -> Path | None:
    """The platform binary the npm package ships as an optional dependency."""
    machine = os.uname().machine
    entry = _TRIPLES.get((machine, "linux"))
    if entry is None:
        return None
    package, triple = entry
    path = PACKAGE_DIR / "node_modules" / package / "vendor" / triple / "bin" / "codex"
    return path if path.is_file() else None


def launcher() -> Path | None:
    """`bin/codex.js`, the npm package's node launcher (what `npx codex` runs)."""
    path = PACKAGE_DIR / "node_modules" / "@openai" / "codex" / "bin" / "codex.js"
    return path if path.is_file() and shutil.which("node") else None


def installed_version() -> str | None:
    try:
        data = json.loads(
            (PACKAGE_DIR / "node_modules" / "@openai" / "codex" / "package.json").read_text()
        )
        return str(data.get("version"))
    except (OSError, ValueError):
        return None


class CodexClient:
    """One `codex app-server` process."""

    def __init__(self, sandbox: Sandbox, via_launcher: bool = False) -> None:
        self.sandbox = sandbox
        self.via_launcher = via_launcher
        self.rpc = RpcClient("jsonl")
        self.marks: dict[str, float] = {}
        self.thread_id: str | None = None
        self.turn_done: asyncio.Future[Any] | None = None
        self.delta_chars = 0
        self.delta_events = 0
        self.first_delta_at = 0.0
        self.last_delta_at = 0.0
        self.approvals = 0
        self.rpc.handlers["item/fileChange/requestApproval"] = self._on_file_approval
        self.rpc.handlers["applyPatchApproval"] = self._on_legacy_patch_approval
        self.rpc.handlers["item/commandExecution/requestApproval"] = lambda p: {
            "decision": "decline"
        }
        self.rpc.listeners.append(self._on_notification)
        self.rpc.fast_path = self._fast_delta

    # ---- handlers ---------------------------------------------------------------------

    def _fast_delta(self, raw: bytes, now: float) -> bool:
        if AGENT_DELTA.search(raw, 0, 80) is None:
            return False
        length = delta_length(raw)
        if length is None:
            return False
        self.delta_chars += length
        self.delta_events += 1
        if not self.first_delta_at:
            self.first_delta_at = now
        self.last_delta_at = now
        return True

    def _on_file_approval(self, params: Any) -> Any:
        self.marks["approval"] = time.perf_counter()
        self.approvals += 1
        self.marks["answered"] = time.perf_counter()
        return {"decision": "accept"}

    def _on_legacy_patch_approval(self, params: Any) -> Any:
        self.marks["approval"] = time.perf_counter()
        self.approvals += 1
        self.marks["answered"] = time.perf_counter()
        return {"decision": "approved"}

    def _on_notification(self, method: str, params: Any, now: float) -> None:
        if method == "turn/completed":
            self.marks["turn_completed"] = now
            if self.turn_done is not None and not self.turn_done.done():
                self.turn_done.set_result(params)
        elif method == "item/completed" and isinstance(params, dict):
            item = params.get("item") or {}
            if item.get("type") == "fileChange":
                self.marks["file_item_completed"] = now

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> float:
        """Spawn and initialize; returns spawn -> initialize response in ms."""
        binary = native_binary()
        if binary is None:
            raise RuntimeError("Codex binary not installed")
        if self.via_launcher:
            argv = [shutil.which("node") or "node", str(launcher()), "app-server"]
        else:
            argv = [str(binary), "app-server"]
        env = clean_env(self.sandbox.env())
        t0 = await self.rpc.spawn(
            argv,
            env=env,
            cwd=str(self.sandbox.workspace),
            stderr_path=str(self.sandbox.root / "codex.stderr"),
        )
        fut, _ = self.rpc.send_request(
            "initialize", {"clientInfo": {"name": "codex-lsp-bench", "version": "1"}}
        )
        _result, t1 = await asyncio.wait_for(fut, 60)
        self.rpc.notify("initialized")
        return (t1 - t0) * 1000

    async def start_thread(self) -> float:
        t0 = time.perf_counter()
        result = await self.rpc.request(
            "thread/start",
            {"cwd": str(self.sandbox.workspace), "approvalPolicy": "untrusted"},
            wait_s=60,
        )
        self.thread_id = result["thread"]["id"]
        return (time.perf_counter() - t0) * 1000

    async def stop(self) -> None:
        await self.rpc.close(wait_s=10)

    def memory(self) -> dict[str, Any]:
        return memory_mb(self.rpc.pid)

    # ---- turns -------------------------------------------------------------------------

    async def _turn(self, text: str, wait_s: float) -> tuple[Any, float]:
        assert self.thread_id is not None
        self.turn_done = asyncio.get_running_loop().create_future()
        fut, sent = self.rpc.send_request(
            "turn/start",
            {"threadId": self.thread_id, "input": [{"type": "text", "text": text}]},
        )
        await asyncio.wait_for(fut, wait_s)
        return sent, wait_s

    async def edit_turn(
        self, path: Path, expected: str, wait_s: float = 300
    ) -> dict[str, float]:
        """A turn whose scripted model sends one apply_patch; returns timings (ms)."""
        self.marks.clear()
        sent, _ = await self._turn("apply the change", wait_s)
        changed_at = await self._wait_file(path, expected, wait_s)
        assert self.turn_done is not None
        params = await asyncio.wait_for(self.turn_done, wait_s)
        turn = (params or {}).get("turn") or {}
        if turn.get("status") not in (None, "completed"):
            raise RuntimeError(f"Codex turn ended {turn.get('status')}: {turn.get('error')}")
        m = self.marks
        if "approval" not in m:
            raise RuntimeError("Codex applied the patch without asking for approval")
        return {
            "start_to_approval_ms": (m["approval"] - sent) * 1000,
            "approval_to_edit_ms": (changed_at - m["answered"]) * 1000,
            "start_to_result_ms": (m["turn_completed"] - sent) * 1000,
        }

    async def _wait_file(self, path: Path, expected: str, wait_s: float) -> float:
        """Poll (every 0.5 ms) until the file on disk holds `expected`."""
        deadline = time.perf_counter() + wait_s
        size = len(expected.encode())
        while True:
            if "answered" in self.marks:
                try:
                    st = path.stat()  # noqa: ASYNC240 - a 0.5 ms poll is the measurement
                    if st.st_size == size and path.read_text() == expected:  # noqa: ASYNC240
                        return time.perf_counter()
                except OSError:
                    pass
            if self.rpc.closed.is_set():
                raise RuntimeError("codex app-server exited during the turn")
            if self.turn_done is not None and self.turn_done.done() and "answered" in self.marks:
                if path.read_text() != expected:  # noqa: ASYNC240
                    raise RuntimeError("Codex finished the turn without the expected file content")
            if time.perf_counter() > deadline:
                raise TimeoutError("Codex did not change the file")
            await asyncio.sleep(0.0005)

    async def text_turn(self, wait_s: float = 300) -> tuple[float, float]:
        """A turn that only streams text; returns (t_sent, t_turn_completed)."""
        self.marks.clear()
        sent, _ = await self._turn("say something long", wait_s)
        assert self.turn_done is not None
        await asyncio.wait_for(self.turn_done, wait_s)
        return sent, self.marks["turn_completed"]
