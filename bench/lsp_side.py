"""codex-lsp driven as an editor would: LSP over stdio, approvals answered at once.

The editor model is deliberately simple and fast: it keeps open buffers, applies
`workspace/applyEdit` to them and tells the server with an incremental
`didChange`, exactly like an editor that accepted the edit.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from bench.fixtures import REPO, Sandbox
from bench.proc import memory_mb
from bench.rpc import RpcClient, clean_env, delta_length

WRAP_ENV = "CODEX_LSP_BENCH_WRAP"
"""A command prefix for the server, e.g. `py-spy record -o prof.svg --` (profiling)."""
TEXT_EVENT = re.compile(rb'"type":\s*"text"')


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def _offset(text: str, starts: list[int], pos: dict[str, int]) -> int:
    line, char = pos["line"], pos["character"]
    if line >= len(starts):
        return len(text)
    # The bench's documents are ASCII: UTF-16 units == code points.
    return min(starts[line] + char, len(text))


class Buffer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.version = 1


class LspEditor:
    """One codex-lsp process and the editor state around it."""

    def __init__(
        self, sandbox: Sandbox, codex_approval: bool = True, server_args: tuple[str, ...] = ()
    ) -> None:
        self.sandbox = sandbox
        self.codex_approval = codex_approval
        self.server_args = server_args
        """E.g. `("--daemon",)`."""
        self.rpc = RpcClient("lsp")
        self.buffers: dict[str, Buffer] = {}
        self.marks: dict[str, float] = {}
        self.text_chars = 0
        self.ready_ms: float | None = None
        """Spawn -> first `workspace/executeCommand` answered (ms)."""
        self.first_code_action_ms: float | None = None
        """Spawn -> first `textDocument/codeAction` answered (ms)."""
        self.text_events = 0
        self.last_text_at = 0.0
        self.first_text_at = 0.0
        self.finished: list[dict[str, Any]] = []
        self.apply_count = 0
        self._line_offsets: dict[tuple[str, int], int] = {}
        self._install_handlers()

    # ---- handlers -------------------------------------------------------------------

    def _install_handlers(self) -> None:
        rpc = self.rpc
        rpc.handlers["codex/approveEdit"] = self._on_approve_edit
        rpc.handlers["window/showMessageRequest"] = self._on_message_request
        rpc.handlers["workspace/applyEdit"] = self._on_apply_edit
        rpc.handlers["window/workDoneProgress/create"] = lambda p: None
        rpc.handlers["window/showDocument"] = lambda p: {"success": True}
        rpc.handlers["codex/approveCommand"] = lambda p: {"decision": "reject"}
        rpc.handlers["workspace/configuration"] = lambda p: [None] * len(p.get("items", []))
        rpc.handlers["client/registerCapability"] = lambda p: None
        rpc.listeners.append(self._on_notification)
        rpc.fast_path = self._fast_text

    def _fast_text(self, raw: bytes, now: float) -> bool:
        """Count streamed `codex/event` text without a full JSON parse."""
        if b'"codex/event"' not in raw[:200] and b'"codex/event"' not in raw[-200:]:
            return False
        if not TEXT_EVENT.search(raw):
            return False
        length = delta_length(raw)
        if length is None:
            return False
        self.text_chars += length
        self.text_events += 1
        if not self.first_text_at:
            self.first_text_at = now
        self.last_text_at = now
        return True

    def _on_notification(self, method: str, params: Any, now: float) -> None:
        if method == "codex/event" and isinstance(params, dict):
            if params.get("type") == "turnFinished":
                self.finished.append(params)

    def _on_approve_edit(self, params: Any) -> Any:
        self.marks["approval"] = time.perf_counter()
        self.marks["answered"] = time.perf_counter()
        return {"decision": "approve"}

    def _on_message_request(self, params: Any) -> Any:
        self.marks["approval"] = time.perf_counter()
        self.marks["answered"] = time.perf_counter()
        return {"title": "Apply"}

    def _on_apply_edit(self, params: Any) -> Any:
        self.marks["apply_edit"] = time.perf_counter()
        self.apply_count += 1
        edit = params.get("edit") or {}
        for change in edit.get("documentChanges") or []:
            if "textDocument" not in change:
                continue
            uri = change["textDocument"]["uri"]
            buf = self.buffers.get(uri)
            if buf is None:
                continue
            version = change["textDocument"].get("version")
            if version is not None and version != buf.version:
                return {"applied": False, "failureReason": "stale version"}
            self._apply_edits(uri, buf, change["edits"])
        for uri, edits in (edit.get("changes") or {}).items():
            buf = self.buffers.get(uri)
            if buf is not None:
                self._apply_edits(uri, buf, edits)
        return {"applied": True}

    def _apply_edits(self, uri: str, buf: Buffer, edits: list[dict[str, Any]]) -> None:
        text = buf.text
        starts = _line_starts(text)
        spans = sorted(
            (
                (
                    _offset(text, starts, e["range"]["start"]),
                    _offset(text, starts, e["range"]["end"]),
                    e,
                )
                for e in edits
            ),
            key=lambda s: s[0],
            reverse=True,
        )
        parts: list[str] = []
        tail = len(text)
        for start, end, e in spans:  # back to front: earlier ranges stay valid
            parts.append(text[end:tail])
            parts.append(e["newText"])
            tail = start
        parts.append(text[:tail])
        buf.text = "".join(reversed(parts))
        buf.version += 1
        # Sequential incremental changes, last range first, equal the simultaneous edit.
        self.rpc.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": buf.version},
                "contentChanges": [
                    {"range": e["range"], "text": e["newText"]} for _, _, e in spans
                ],
            },
        )

    # ---- lifecycle --------------------------------------------------------------------

    async def start(self) -> float:
        """Spawn and initialize; returns spawn -> initialize response in ms."""
        ws = self.sandbox.workspace
        # No XDG_RUNTIME_DIR: a daemon's socket is then under the sandbox's CODEX_HOME, so
        # every sandbox starts without one and its zygote ends with it.
        env = {**clean_env(self.sandbox.env()), "XDG_RUNTIME_DIR": ""}
        wrap = shlex.split(os.environ.get(WRAP_ENV, ""))
        t0 = await self.rpc.spawn(
            [*wrap, sys.executable, "-m", "codex_lsp", *self.server_args],
            env=env,
            cwd=str(REPO),
            stderr_path=str(self.sandbox.root / "codex-lsp.stderr"),
        )
        caps = {
            "workspace": {
                "applyEdit": True,
                "workspaceEdit": {
                    "documentChanges": True,
                    "resourceOperations": ["create", "rename", "delete"],
                },
                "configuration": True,
            },
            "window": {"workDoneProgress": True, "showDocument": {"support": True}},
            "textDocument": {"synchronization": {"didSave": True}},
            "general": {"positionEncodings": ["utf-16"]},
        }
        if self.codex_approval:
            caps["experimental"] = {"codexApproval": True}
        fut, _ = self.rpc.send_request(
            "initialize",
            {
                "processId": None,
                "clientInfo": {"name": "codex-lsp-bench", "version": "1"},
                "rootUri": ws.as_uri(),
                "workspaceFolders": [{"uri": ws.as_uri(), "name": "ws"}],
                "capabilities": caps,
            },
        )
        _result, t1 = await asyncio.wait_for(fut, 60)
        self.rpc.notify("initialized", {})
        # codex-lsp answers initialize before pygls has loaded (fast_start), so also
        # measure when the server answers what an editor sends next: a code action
        # (the cursor is in a file) and a command, both sent at once.
        action, _ = self.rpc.send_request("textDocument/codeAction", _first_code_action(ws))
        command, _ = self.rpc.send_request(
            "workspace/executeCommand", {"command": "codex.status", "arguments": [{}]}
        )
        actions, t2 = await asyncio.wait_for(action, 60)
        _status, t3 = await asyncio.wait_for(command, 60)
        if not actions:
            raise RuntimeError("the first codeAction returned no actions")
        self.first_code_action_ms = (t2 - t0) * 1000
        self.ready_ms = (t3 - t0) * 1000
        return (t1 - t0) * 1000

    async def stop(self) -> None:
        try:
            await self.rpc.request("shutdown", None, wait_s=10)
            self.rpc.notify("exit")
        except Exception:
            pass
        await self.rpc.close()

    def memory(self) -> dict[str, Any]:
        return memory_mb(self.rpc.pid)

    # ---- documents and requests -------------------------------------------------------

    def open(self, path: Path, text: str | None = None) -> str:
        if text is None:
            text = path.read_text()
        uri = path.as_uri()
        self.buffers[uri] = Buffer(text)
        self.rpc.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        return uri

    def type_char(self, uri: str, line: int, ch: str = " ") -> None:
        """The user types one character at the start of `line` (incremental didChange)."""
        buf = self.buffers[uri]
        key = (uri, line)
        off = self._line_offsets.get(key)
        if off is None:  # typing at a line's start never moves that line's start
            off = self._line_offsets[key] = _nth_line_offset(buf.text, line)
        buf.text = buf.text[:off] + ch + buf.text[off:]
        buf.version += 1
        pos = {"line": line, "character": 0}
        self.rpc.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": buf.version},
                "contentChanges": [{"range": {"start": pos, "end": pos}, "text": ch}],
            },
        )

    async def code_action(self, uri: str, line: int) -> float:
        """One `textDocument/codeAction` round trip (ms)."""
        fut, sent = self.rpc.send_request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": {
                    "start": {"line": line, "character": 0},
                    "end": {"line": line + 3, "character": 0},
                },
                "context": {"diagnostics": [], "triggerKind": 2},
            },
        )
        result, got = await asyncio.wait_for(fut, 60)
        if not result:
            raise RuntimeError("codeAction returned no actions")
        return (got - sent) * 1000

    def inline_request(self, uri: str, line: int, character: int) -> tuple[asyncio.Future[Any], float, int]:
        """Send `textDocument/inlineCompletion`; (future of (result, t_got), t_sent, id)."""
        fut, sent = self.rpc.send_request(
            "textDocument/inlineCompletion",
            {
                "textDocument": {"uri": uri},
                "position": {"line": line, "character": character},
                "context": {"triggerKind": 2},
            },
        )
        return fut, sent, self.rpc.last_id

    def insert(self, uri: str, line: int, character: int, text: str) -> None:
        """The user types `text` at (line, character): one incremental `didChange`.

        Only the version is kept up to date, not `Buffer.text` (the inline section types
        into a 1 MB buffer and never reads it back).
        """
        buf = self.buffers[uri]
        buf.version += 1
        pos = {"line": line, "character": character}
        self.rpc.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": buf.version},
                "contentChanges": [{"range": {"start": pos, "end": pos}, "text": text}],
            },
        )

    async def edit_turn(
        self, uri: str, rng: dict[str, Any], wait_s: float = 300
    ) -> dict[str, float]:
        """`codex.editSelection`; returns the turn's timings (ms)."""
        self.marks.clear()
        fut, sent = self.rpc.send_request(
            "workspace/executeCommand",
            {
                "command": "codex.editSelection",
                "arguments": [{"uri": uri, "range": rng, "instruction": "apply the change"}],
            },
        )
        result, got = await asyncio.wait_for(fut, wait_s)
        if not isinstance(result, dict) or result.get("status") != "applied":
            raise RuntimeError(f"codex-lsp edit turn did not apply: {result!r}"[:500])
        m = self.marks
        return {
            "start_to_approval_ms": (m["approval"] - sent) * 1000,
            "approval_to_edit_ms": (m["apply_edit"] - m["answered"]) * 1000,
            "start_to_result_ms": (got - sent) * 1000,
        }

    async def new_thread(self) -> None:
        """`codex.newThread`: later commands run on a fresh conversation."""
        await self.rpc.request(
            "workspace/executeCommand", {"command": "codex.newThread", "arguments": [{}]}
        )

    async def ask(self, prompt: str, wait_s: float = 300) -> tuple[dict[str, Any], float, float]:
        """`codex.ask`; returns (result, t_sent, t_result)."""
        fut, sent = self.rpc.send_request(
            "workspace/executeCommand", {"command": "codex.ask", "arguments": [{"prompt": prompt}]}
        )
        result, got = await asyncio.wait_for(fut, wait_s)
        return result, sent, got


def _nth_line_offset(text: str, line: int) -> int:
    off = 0
    for _ in range(line):
        nxt = text.find("\n", off)
        if nxt < 0:
            return len(text)
        off = nxt + 1
    return off


def _first_code_action(workspace: Path) -> dict[str, Any]:
    """A code action on hello.py's first lines (the file need not be open)."""
    return {
        "textDocument": {"uri": (workspace / "hello.py").as_uri()},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}},
        "context": {"diagnostics": [], "triggerKind": 2},
    }
