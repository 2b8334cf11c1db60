"""A lean JSON-RPC 2.0 client over a child process's stdio (asyncio pipes).

Two framings: LSP's `Content-Length` headers (codex-lsp) and one JSON object per
line (`codex app-server`).  Every incoming message is stamped with
`time.perf_counter()` when it has been read; server->client requests are answered
at once by the registered handler.  Hot notifications (streamed text deltas) can be
counted by a `fast_path` on the raw bytes so the client never becomes the bottleneck
of a relay-rate measurement.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

DELTA = re.compile(rb'"delta":\s*"((?:[^"\\]|\\.)*)"')


def delta_length(raw: bytes) -> int | None:
    """Characters of the first `"delta"` string in a raw message, without a JSON parse."""
    m = DELTA.search(raw)
    if m is None:
        return None
    delta = m.group(1)
    if b"\\" in delta:
        delta = delta.decode("unicode_escape").encode()
    return len(delta)


Handler = Callable[[Any], Any]
Listener = Callable[[str, Any, float], None]

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class RpcError(Exception):
    def __init__(self, method: str, error: Any) -> None:
        super().__init__(f"{method}: {error}")
        self.error = error


class RpcClient:
    """One child process speaking JSON-RPC on stdin/stdout."""

    def __init__(self, framing: str) -> None:
        if framing not in ("lsp", "jsonl"):
            raise ValueError(framing)
        self.framing = framing
        self.proc: asyncio.subprocess.Process | None = None
        self.spawned_at = 0.0
        self.handlers: dict[str, Handler] = {}
        self.listeners: list[Listener] = []
        self.fast_path: Callable[[bytes, float], bool] | None = None
        """Called with each raw message first; returning True means it was consumed."""
        self._next_id = 1
        self.last_id = 0
        """The id of the request sent last (for `$/cancelRequest`)."""
        self._pending: dict[Any, tuple[str, asyncio.Future[Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()
        self.stderr_path: str | None = None
        self._tasks: set[asyncio.Future[None]] = set()

    # ---- lifecycle ------------------------------------------------------------

    async def spawn(
        self, argv: list[str], env: dict[str, str], cwd: str, stderr_path: str | None = None
    ) -> float:
        """Start the child; returns the perf_counter stamp taken just before exec."""
        self.stderr_path = stderr_path
        stderr: Any = asyncio.subprocess.DEVNULL
        if stderr_path:
            stderr = open(stderr_path, "wb")  # noqa: ASYNC230 - before the timed spawn
        try:
            self.spawned_at = time.perf_counter()
            self.proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                env=env,
                cwd=cwd,
                limit=1 << 28,
            )
        finally:
            if stderr_path:
                stderr.close()
        self._reader = asyncio.ensure_future(self._read_loop())
        return self.spawned_at

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def close(self, wait_s: float = 10.0) -> None:
        """Close stdin and wait; terminate, then kill, if the child lingers."""
        proc = self.proc
        if proc is None:
            return
        with contextlib.suppress(Exception):
            assert proc.stdin is not None
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), wait_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    # ---- sending ----------------------------------------------------------------

    def _write(self, obj: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        body = _dumps(obj).encode("utf-8")
        if self.framing == "lsp":
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%b" % (len(body), body))
        else:
            self.proc.stdin.write(body + b"\n")

    def notify(self, method: str, params: Any = None) -> float:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self._write(msg)
        return time.perf_counter()

    def send_request(self, method: str, params: Any = None) -> tuple[asyncio.Future[Any], float]:
        """Send a request; returns (future of (result, t_received), t_sent)."""
        msg_id = self._next_id
        self._next_id += 1
        self.last_id = msg_id
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = (method, fut)
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            msg["params"] = params
        sent = time.perf_counter()
        self._write(msg)
        return fut, sent

    async def request(self, method: str, params: Any = None, wait_s: float = 120) -> Any:
        fut, _ = self.send_request(method, params)
        result, _t = await asyncio.wait_for(fut, wait_s)
        return result

    async def drain(self) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        await self.proc.stdin.drain()

    # ---- receiving ----------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        out = self.proc.stdout
        try:
            while True:
                if self.framing == "lsp":
                    header = await out.readuntil(b"\r\n\r\n")
                    length = 0
                    for line in header.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":", 1)[1])
                    raw = await out.readexactly(length)
                else:
                    raw = await out.readline()
                    if not raw:
                        break
                    if not raw.strip():
                        continue
                now = time.perf_counter()
                if self.fast_path is not None and self.fast_path(raw, now):
                    continue
                self._dispatch(json.loads(raw), now)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed.set()
            for method, fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(RpcError(method, "connection closed"))
            self._pending.clear()

    def _dispatch(self, msg: dict[str, Any], now: float) -> None:
        method = msg.get("method")
        if method is None:
            entry = self._pending.pop(msg.get("id"), None)
            if entry is None:
                return
            name, fut = entry
            if fut.done():
                return
            if "error" in msg:
                fut.set_exception(RpcError(name, msg["error"]))
            else:
                fut.set_result((msg.get("result"), now))
            return
        params = msg.get("params")
        for listener in self.listeners:
            listener(method, params, now)
        if "id" in msg:
            handler = self.handlers.get(method)
            if handler is None:
                self._write(
                    {
                        "jsonrpc": "2.0",
                        "id": msg["id"],
                        "error": {"code": -32601, "message": f"bench client: no {method}"},
                    }
                )
                return
            result = handler(params)
            if isinstance(result, Awaitable):
                task = asyncio.ensure_future(self._answer_later(msg["id"], result))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                self._write({"jsonrpc": "2.0", "id": msg["id"], "result": result})

    async def _answer_later(self, msg_id: Any, result: Awaitable[Any]) -> None:
        self._write({"jsonrpc": "2.0", "id": msg_id, "result": await result})


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The bench's environment for a child: ours minus real credentials, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_TOKEN"))}
    env.update(extra)
    return env
