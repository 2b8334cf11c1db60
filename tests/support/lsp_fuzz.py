"""Hypothesis strategies for LSP fuzzing, and a raw client that counts answers.

Each generated `Frame` is the exact bytes to write plus, for a well-formed
request, the id whose answer the suite waits for. Broken frames (bad
`Content-Length`, non-JSON, non-objects) are built so they cost only
themselves: what they leave unread ends at a line break the server skips.
Odd frames are valid JSON that JSON-RPC 2.0 still requires an answer to: a
`null` or non-string method, an id that is not a string or integer (answered
with id `null`), notifications sent with an id, a second `initialize` with
values lsprotocol rejects, and a waiting `codex.login` cancelled at once.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

COMMANDS = (
    "codex.editSelection", "codex.explain", "codex.addDocstring", "codex.writeTests",
    "codex.fixDiagnostic", "codex.ask", "codex.runTask", "codex.cancel", "codex.status",
    "codex.newThread", "codex.listThreads", "codex.resumeThread", "codex.undo",
)
NOTIFICATIONS = (
    "initialized", "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose",
    "textDocument/didSave", "workspace/didChangeConfiguration",
    "workspace/didChangeWorkspaceFolders", "$/cancelRequest", "$/setTrace",
    "window/workDoneProgress/cancel", "notebookDocument/didOpen", "notebookDocument/didChange",
    "notebookDocument/didClose", "$/progress",
)
REQUESTS = ("textDocument/codeAction", "workspace/executeCommand", "initialize")
_ids = count(10_000)


@dataclass(frozen=True)
class Frame:
    """Bytes for the wire; `request_id` when an answer must come back."""

    data: bytes
    kind: str
    request_id: int | str | None = None
    null_answers: int = 0
    """Answers with id `null` this frame must get (a request whose id is unusable)."""


def _frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    text = st.text(max_size=20) | st.sampled_from(["\ud800", "a\udfffb", "😀x", "\x00", "é"])
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=max_leaves,
    )


def uris(workspace: Path) -> st.SearchStrategy[Any]:
    known = [
        (workspace / "hello.py").as_uri(), (workspace / "new.py").as_uri(), workspace.as_uri(),
        "file:///nonexistent/x.py", "untitled:Untitled-1", "http://127.0.0.1:9/a.py", "", "file://",
        "file:///%00", "file:///" + "../" * 6 + "etc/passwd", "file://host/share/x.py",
        (workspace / "ü ñ.py").as_uri(), "vscode-notebook-cell:/x#1",
    ]
    return st.sampled_from(known) | st.text(max_size=30) | json_values(3)


def ints() -> st.SearchStrategy[Any]:
    edge = st.sampled_from([0, 1, 2, 3, -1, 2**31 - 1, 2**31, 2**53, -(2**63)])
    return edge | st.integers(0, 12) | st.sampled_from(["1", 1.5, None, True])


def positions() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries({"line": ints(), "character": ints()}) | json_values(3)


def ranges() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries({"start": positions(), "end": positions()}) | json_values(3)


def huge_text() -> st.SearchStrategy[str]:
    return st.sampled_from(["x" * 300_000, "😀" * 50_000 + "\n", "line\r\n" * 20_000, "\f\v\x85\u2028" * 1000])


def texts() -> st.SearchStrategy[Any]:
    return st.text(max_size=200) | st.just("def f():\n    return '😀'\n\r\n") | huge_text() | json_values(2)


def _maybe_drop(d: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """A plausible params object, sometimes with a field missing, or something else entirely."""

    @st.composite
    def drop(draw: st.DrawFn) -> Any:
        value = dict(draw(d))
        if value and draw(st.booleans()):
            value.pop(draw(st.sampled_from(sorted(value))))
        return value

    return drop() | json_values(4)


def command_args(workspace: Path) -> st.SearchStrategy[Any]:
    arg = st.fixed_dictionaries(
        {},
        optional={
            "uri": uris(workspace), "range": ranges(), "instruction": texts(), "prompt": texts(),
            "threadId": st.text(max_size=10) | json_values(2), "diagnostic": json_values(3),
        },
    )
    return st.lists(arg | json_values(3), max_size=2) | json_values(2)


def request_params(method: str, workspace: Path) -> st.SearchStrategy[Any]:
    doc = st.fixed_dictionaries({"uri": uris(workspace)})
    if method == "textDocument/codeAction":
        context = st.fixed_dictionaries({"diagnostics": st.lists(json_values(3), max_size=2)})
        return _maybe_drop(st.fixed_dictionaries({"textDocument": doc, "range": ranges(), "context": context}))
    if method == "workspace/executeCommand":
        name = st.sampled_from(COMMANDS) | st.text(max_size=12) | json_values(1)
        return _maybe_drop(st.fixed_dictionaries({"command": name, "arguments": command_args(workspace)}))
    return _maybe_drop(st.fixed_dictionaries({"processId": ints(), "capabilities": json_values(3)}))


def notification_params(method: str, workspace: Path) -> st.SearchStrategy[Any]:
    item = st.fixed_dictionaries(
        {"uri": uris(workspace), "languageId": st.text(max_size=8), "version": ints(), "text": texts()}
    )
    change = st.fixed_dictionaries({"range": ranges(), "text": texts()}) | st.fixed_dictionaries({"text": texts()})
    versioned = st.fixed_dictionaries({"uri": uris(workspace), "version": ints()})
    folders = st.lists(st.fixed_dictionaries({"uri": uris(workspace), "name": st.text(max_size=5)}), max_size=2)
    by_method: dict[str, st.SearchStrategy[dict[str, Any]]] = {
        "textDocument/didOpen": st.fixed_dictionaries({"textDocument": item}),
        "textDocument/didChange": st.fixed_dictionaries(
            {"textDocument": versioned, "contentChanges": st.lists(change | json_values(2), max_size=3)}
        ),
        "textDocument/didClose": st.fixed_dictionaries({"textDocument": versioned}),
        "textDocument/didSave": st.fixed_dictionaries({"textDocument": versioned, "text": texts()}),
        "workspace/didChangeConfiguration": st.fixed_dictionaries(
            {"settings": st.dictionaries(st.sampled_from(["fuzz", "codex", "approval_policy", "model"]), json_values(3))}
        ),
        "workspace/didChangeWorkspaceFolders": st.fixed_dictionaries(
            {"event": st.fixed_dictionaries({"added": folders, "removed": folders})}
        ),
        "$/cancelRequest": st.fixed_dictionaries({"id": ints() | st.text(max_size=5)}),
        "$/setTrace": st.fixed_dictionaries({"value": st.sampled_from(["off", "messages", "verbose", "loud"])}),
        "window/workDoneProgress/cancel": st.fixed_dictionaries({"token": ints() | st.text(max_size=5)}),
    }
    return _maybe_drop(by_method.get(method, st.fixed_dictionaries({"x": json_values(3)})))


@st.composite
def good_frames(draw: st.DrawFn, workspace: Path) -> Frame:
    """Well-framed JSON-RPC: known and unknown requests and notifications."""
    kind = draw(st.sampled_from(["request", "request", "notification", "notification", "unknown"]))
    if kind == "request":
        method = draw(st.sampled_from(REQUESTS[:2]) | st.just("initialize"))
        params = draw(request_params(method, workspace))
    elif kind == "notification":
        method = draw(st.sampled_from(NOTIFICATIONS))
        params = draw(notification_params(method, workspace))
    else:
        method = draw(st.sampled_from(["fuzz/unknown", "$/unknown", "textDocument/hover", "", "💥"]) | st.text(max_size=10))
        params = draw(json_values(3))
        kind = draw(st.sampled_from(["request", "notification"]))
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if draw(st.integers(0, 9)) > 0:
        message["params"] = params
    msg_id: int | str | None = None
    if kind == "request":
        msg_id = next(_ids) if draw(st.booleans()) else f"s-{next(_ids)}"
        message["id"] = msg_id
    return Frame(_frame(json.dumps(message).encode()), kind, msg_id)


@st.composite
def broken_frames(draw: st.DrawFn) -> Frame:
    """Bad framing or bodies that are not a JSON-RPC object: answered with id null or skipped."""
    body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": "workspace/executeCommand", "params": {"command": "codex.status"}}).encode()
    case = draw(st.sampled_from(
        ["bad-length", "negative", "too-large", "short", "long", "no-header", "not-json", "bad-utf8",
         "deep", "array", "number", "no-jsonrpc", "bad-id", "long-header", "lowercase"]
    ))
    if case in ("bad-length", "negative", "too-large"):
        value = {"bad-length": b"banana", "negative": b"-5", "too-large": b"99999999999999"}[case]
        return Frame(b"Content-Length: " + value + b"\r\n\r\n" + body + b"\r\n", "broken")
    if case == "short":
        return Frame(b"Content-Length: %d\r\n\r\n" % (len(body) // 2) + body + b"\r\n", "broken")
    if case == "long":
        return Frame(b"Content-Length: %d\r\n\r\n" % (len(body) + 7) + body + b"garbage", "broken")
    if case == "no-header":
        return Frame(body + b"\r\n", "broken")
    if case == "long-header":
        return Frame(b"X-Junk: " + b"j" * (1 << 20) + b"\r\n" + _frame(b"{}"), "broken")
    if case == "lowercase":
        rid = next(_ids)
        ok = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "workspace/executeCommand", "params": {"command": "codex.listThreads"}})
        data = b"content-length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" % len(ok) + ok.encode()
        return Frame(data, "request", rid)
    bodies = {
        "not-json": b"{\"jsonrpc\": \"2.0\", \"id\": 1,", "bad-utf8": b"{\"a\": \"\xff\xfe\"}",
        "deep": b"[" * 100_000, "array": b"[{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"x\"}]",
        "number": b"42",
        "bad-id": json.dumps({"jsonrpc": "2.0", "id": draw(st.sampled_from([True, 1.5, [1], {"a": 1}])), "method": "initialize"}).encode(),
    }
    if case == "no-jsonrpc":  # well framed, with a usable id: answered (Invalid Request)
        rid = next(_ids)
        no_version = json.dumps({"id": rid, "method": "workspace/executeCommand"}).encode()
        return Frame(_frame(no_version), "broken", rid)
    return Frame(_frame(bodies[case]), "broken")


NOTIFICATION_METHODS_WITH_ID = ("$/cancelRequest", "initialized", "$/setTrace", "exit",
                                "textDocument/didOpen", "workspace/didChangeConfiguration")
ODD_INITIALIZE_PARAMS = (
    {"capabilities": {"textDocument": {"publishDiagnostics": {"tagSupport": {"valueSet": [1, 7]}}}}},
    {"capabilities": {"workspace": {"workspaceEdit": {"resourceOperations": ["copy"]}}}},
    {"capabilities": {}, "trace": "weird"},
)


@st.composite
def odd_frames(draw: st.DrawFn) -> Frame:
    """Valid JSON that JSON-RPC 2.0 still requires exactly one answer to."""
    case = draw(st.sampled_from(["null-method", "bad-method", "bad-id", "notification-with-id",
                                 "odd-initialize", "login-cancelled"]))
    rid = next(_ids)
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": rid}
    if case == "null-method":
        message["method"] = None
    elif case == "bad-method":
        message["method"] = draw(st.sampled_from([5, [], {}, True]))
    elif case == "bad-id":
        message["id"] = draw(st.sampled_from([False, True, 1.5, [1], {"a": 1}]))
        message.update(method="workspace/executeCommand", params={"command": "codex.status"})
        return Frame(_frame(json.dumps(message).encode()), "odd", None, null_answers=1)
    elif case == "notification-with-id":
        message.update(method=draw(st.sampled_from(NOTIFICATION_METHODS_WITH_ID)), params={})
    elif case == "odd-initialize":
        message.update(method="initialize", params=draw(st.sampled_from(ODD_INITIALIZE_PARAMS)))
    else:
        message.update(method="workspace/executeCommand",
                       params={"command": "codex.login", "arguments": [{"method": "device"}]})
        cancel = {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": rid}}
        data = _frame(json.dumps(message).encode()) + _frame(json.dumps(cancel).encode())
        return Frame(data, "odd", rid)
    return Frame(_frame(json.dumps(message).encode()), "odd", rid)


def frames(workspace: Path) -> st.SearchStrategy[Frame]:
    good = good_frames(workspace)
    return good | good | good | broken_frames() | odd_frames()


@dataclass
class FuzzClient:
    """Writes frames, reads everything, answers the server's own requests like a terse editor."""

    process: subprocess.Popen[bytes]
    answers: dict[Any, dict[str, Any]] = field(default_factory=dict)
    null_id_errors: int = 0
    duplicates: list[Any] = field(default_factory=list)
    """Ids answered more than once (JSON-RPC: exactly one answer per request)."""
    sent: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.process.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif line == b"\r\n":
                    break
            message = json.loads(out.read(length))
            if "method" in message and "id" in message:
                result = {"applied": False} if message["method"] == "workspace/applyEdit" else None
                self.write(_frame(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}).encode()))
            elif "method" not in message:
                with self.lock:
                    if message.get("id") is None:
                        self.null_id_errors += 1
                    else:
                        if message["id"] in self.answers:
                            self.duplicates.append(message["id"])
                        self.answers[message["id"]] = message

    def write(self, data: bytes) -> None:
        with self.write_lock:
            assert self.process.stdin is not None
            self.process.stdin.write(data)
            self.process.stdin.flush()

    def send(self, frame: Frame) -> None:
        self.sent[frame.kind] = self.sent.get(frame.kind, 0) + 1
        self.write(frame.data)

    def request(self, method: str, params: Any) -> int:
        rid = next(_ids)
        self.send(Frame(_frame(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}).encode()), "request", rid))
        return rid

    def wait_null_answers(self, count: int, timeout: float) -> int:
        """Wait until `count` answers with id null have come; the number that did."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                seen = self.null_id_errors
            if seen >= count or time.monotonic() > deadline or self.process.poll() is not None:
                return seen
            time.sleep(0.01)

    def wait_answers(self, ids: list[Any], timeout: float) -> list[Any]:
        """The ids still unanswered after `timeout` seconds (empty when all came back)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                missing = [i for i in ids if i not in self.answers]
            if not missing or time.monotonic() > deadline or self.process.poll() is not None:
                return missing
            time.sleep(0.01)
