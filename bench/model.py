"""The scripted model server used by the benchmark (the tests' one, plus freeform tools).

`tests.support.model_server.ScriptedModelServer` streams tool calls as Responses
`function_call` items.  For `gpt-5.5` both the real Codex CLI (0.169) and codex-lsp
declare `apply_patch` as a *freeform custom tool* (`{"type": "custom", ...}`), and
Codex rejects a `function_call` for it ("tool apply_patch invoked with incompatible
payload").  `BenchModelServer` therefore rewrites, per
request, the function calls named in `freeform` into `custom_tool_call` items whose
`input` is the raw patch text, when (and only when) the request declared that tool as
`custom`.  Both agents receive the same patch text from the same script.

Only the handler's event stream is wrapped; scripting, recording and the wire
shapes otherwise stay exactly those of the tests' server.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from typing import Any

from tests.support.model_server import (  # noqa: F401  (re-exported for the bench)
    Flood,
    FunctionCall,
    ModelServerProcess,
    Reply,
    ScriptedModelServer,
    Text,
    _Handler,
)

_CALL_EVENTS = (
    b"event: response.output_item.added\n",
    b"event: response.output_item.done\n",
    b"event: response.function_call_arguments.delta\n",
    b"event: response.completed\n",
)


def _event_bytes(payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return b"event: " + payload["type"].encode() + b"\ndata: " + data.encode() + b"\n\n"


def _to_custom(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "custom_tool_call",
        "id": item.get("id"),
        "call_id": item.get("call_id"),
        "name": item.get("name"),
        "input": item.get("arguments", ""),
        "status": item.get("status", "completed"),
    }


class _FreeformRewriter:
    """Turns `function_call` events for freeform tools into `custom_tool_call` events."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.item_ids: set[str] = set()

    def rewrite(self, data: bytes) -> bytes:
        if not data.startswith(_CALL_EVENTS):
            return data
        _head, _, rest = data.partition(b"\ndata: ")
        payload = json.loads(rest)
        kind = payload["type"]
        if kind in ("response.output_item.added", "response.output_item.done"):
            item = payload["item"]
            if item.get("type") != "function_call" or item.get("name") not in self.names:
                return data
            self.item_ids.add(item.get("id"))
            payload["item"] = _to_custom(item)
        elif kind == "response.function_call_arguments.delta":
            if payload.get("item_id") not in self.item_ids:
                return data
            payload["type"] = "response.custom_tool_call_input.delta"
        else:  # response.completed
            output = payload["response"].get("output") or []
            payload["response"]["output"] = [
                _to_custom(o)
                if o.get("type") == "function_call" and o.get("name") in self.names
                else o
                for o in output
            ]
        return _event_bytes(payload)


def _freeform_tools(body: dict[str, Any] | None) -> set[str]:
    tools = (body or {}).get("tools") or []
    return {t.get("name") for t in tools if isinstance(t, dict) and t.get("type") == "custom"}


SESSION_ID = "<session id>"
"""A scripted call's argument the server fills in with the command session the previous
tool output named ("Process running with session ID N"), as a model reads it from there:
the dev-server turn polls and stops a session whose id only the agent knows."""
_SESSION_LINE = re.compile(r"session ID (\d+)")


def _last_session_id(body: dict[str, Any]) -> int | None:
    for item in reversed(body.get("input") or []):
        output = item.get("output") if isinstance(item, dict) else None
        found = _SESSION_LINE.search(output) if isinstance(output, str) else None
        if found:
            return int(found.group(1))
    return None


def _with_session(turn: Any, body: dict[str, Any]) -> Any:
    """`turn` with `SESSION_ID` arguments replaced by the session the input names."""
    items = getattr(turn, "items", None)
    calls = [i for i in items or [] if isinstance(getattr(i, "arguments", None), dict)]
    if not any(SESSION_ID in call.arguments.values() for call in calls):
        return turn
    session = _last_session_id(body)
    turn = copy.deepcopy(turn)
    for item in turn.items:
        if isinstance(getattr(item, "arguments", None), dict):
            item.arguments = {
                k: session if v == SESSION_ID else v for k, v in item.arguments.items()
            }
    return turn


class _BenchHandler(_Handler):
    def _serve_turn(self, turn: Any, kind: str, body: dict[str, Any], *args: Any) -> None:
        self._freeform = _freeform_tools(body) if kind == "responses" else set()
        super()._serve_turn(_with_session(turn, body), kind, body, *args)

    def _stream_events(self, events: Any, *args: Any) -> None:
        names = getattr(self, "_freeform", set())
        if names:
            rewriter = _FreeformRewriter(names)
            events = ((rewriter.rewrite(data), is_delta) for data, is_delta in events)
        super()._stream_events(events, *args)


class BenchModelServer(ScriptedModelServer):
    """`ScriptedModelServer` whose function calls become freeform calls when the
    request declared the tool as `custom` (the real Codex's `apply_patch`)."""

    handler_class = _BenchHandler


class BenchModelProcess(ModelServerProcess):
    """`BenchModelServer` in a child process (`python -m bench.model`), so serving the
    stream never competes with the measuring client for the GIL."""

    def __init__(self, startup_timeout: float = 15.0) -> None:
        super().__init__(startup_timeout=startup_timeout)
        self._args = [sys.executable, "-m", "bench.model", "--port", "0"]


def main() -> int:
    """`python -m bench.model`: the tests' model-server CLI, serving `BenchModelServer`."""
    import tests.support.model_server as ms

    ms.ScriptedModelServer = BenchModelServer  # type: ignore[misc]
    return ms.main()


if __name__ == "__main__":
    raise SystemExit(main())
