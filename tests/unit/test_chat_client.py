"""ChatClient (wire_api = "chat") against the real scripted server and raw SSE servers."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from codex_lsp.models.base import (
    Completed,
    ModelError,
    ModelEvent,
    ModelRequest,
    TextDelta,
    ToolCall,
    ToolSpec,
)
from codex_lsp.models.chat import ChatClient, build_body, looks_like_tool_call
from codex_lsp.models.endpoint import Endpoint
from codex_lsp.models.retry import RetryPolicy, StreamRestart
from tests.support.model_server import (
    Drop,
    Failed,
    FunctionCall,
    Hang,
    HttpError,
    Reply,
    ScriptedModelServer,
    Text,
)
from tests.support.sse import DONE, data_event

KEY_HINT = "the CODEX_TEST_KEY environment variable"
READ_FILE = ToolSpec(
    "read_file",
    "Read a file.",
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)
PATCH = "*** Begin Patch\n*** Update File: a.py\n@@\n-x = 1\n+x = 2\n*** End Patch\n"


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer() as srv:
        yield srv


def endpoint(
    base_url: str,
    *,
    request_retries: int = 0,
    stream_retries: int = 0,
    base_delay: float = 0.01,
    idle_timeout: float = 10.0,
    query_params: dict[str, str] | None = None,
) -> Endpoint:
    return Endpoint(
        base_url=base_url,
        headers={"Authorization": "Bearer sk-test"},
        query_params=query_params or {},
        idle_timeout=idle_timeout,
        retry=RetryPolicy(
            request_max_retries=request_retries,
            stream_max_retries=stream_retries,
            base_delay=base_delay,
        ),
        key_hint=KEY_HINT,
    )


@pytest.fixture
async def make_client() -> AsyncIterator[Any]:
    clients: list[ChatClient] = []

    def make(base_url: str, **kwargs: Any) -> ChatClient:
        client = ChatClient(endpoint(base_url, **kwargs))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def request(
    history: list[dict[str, Any]] | None = None,
    tools: list[ToolSpec] | None = None,
    instructions: str = "You are a coding agent.",
) -> ModelRequest:
    return ModelRequest(
        model="test-model",
        instructions=instructions,
        input=history
        if history is not None
        else [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
        ],
        tools=[READ_FILE] if tools is None else tools,
    )


async def collect(client: ChatClient, req: ModelRequest | None = None) -> list[Any]:
    return [event async for event in client.stream(req or request())]


def text_of(events: list[Any]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def calls_of(events: list[Any]) -> list[ToolCall]:
    return [e for e in events if isinstance(e, ToolCall)]


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def assistant(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text}],
    }


def call(call_id: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function_call",
        "call_id": call_id,
        "name": name,
        "arguments": json.dumps(args),
    }


def output(call_id: str, text: str) -> dict[str, Any]:
    return {"type": "function_call_output", "call_id": call_id, "output": text}


def tool_call(call_id: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(args)},
    }


# --------------------------------------------------------------------------------------------
# A raw SSE server for shapes the scripted server does not produce
# --------------------------------------------------------------------------------------------


class RawServer:
    """Answers each POST with the next canned (status, content type, body) and records bodies."""

    def __init__(self, *responses: tuple[int, str, bytes]) -> None:
        self.responses = list(responses)
        self.bodies: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                owner.bodies.append(json.loads(self.rfile.read(length)))
                status, ctype, body = owner.responses.pop(0)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> bytes:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return data_event(
        {"id": "chatcmpl-raw", "object": "chat.completion.chunk", "choices": choices, **extra}
    )


def sse(*events: bytes) -> tuple[int, str, bytes]:
    return 200, "text/event-stream", b"".join(events)


# --------------------------------------------------------------------------------------------
# Request body
# --------------------------------------------------------------------------------------------


async def test_request_body_translates_history_with_a_tool_round_trip(
    server: ScriptedModelServer, make_client: Any
) -> None:
    server.script(Reply([Text("ok")]))
    history = [
        user("fix a.py"),
        assistant("Let me look."),
        call("call_a", "read_file", {"path": "a.py"}),
        call("call_b", "read_file", {"path": "b.py"}),
        output("call_a", "x = 1"),
        output("call_b", "y = 2"),
        call("call_c", "apply_patch", {"input": PATCH}),
        output("call_c", "Success. Updated the following files:\nM a.py\n"),
        assistant("Done."),
        {
            "type": "message",
            "role": "developer",
            "content": [{"type": "input_text", "text": "be brief"}],
        },
        user("thanks"),
    ]
    await collect(make_client(server.base_url), request(history))
    (recorded,) = server.wait_for_requests(1, kind="chat")
    assert recorded.path == "/v1/chat/completions"
    assert recorded.headers["authorization"] == "Bearer sk-test"
    assert recorded.headers["accept"] == "text/event-stream"
    assert recorded.body == {
        "model": "test-model",
        "messages": [
            {"role": "system", "content": "You are a coding agent."},
            {"role": "user", "content": "fix a.py"},
            {
                "role": "assistant",
                "content": "Let me look.",
                "tool_calls": [
                    tool_call("call_a", "read_file", {"path": "a.py"}),
                    tool_call("call_b", "read_file", {"path": "b.py"}),
                ],
            },
            {"role": "tool", "tool_call_id": "call_a", "content": "x = 1"},
            {"role": "tool", "tool_call_id": "call_b", "content": "y = 2"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [tool_call("call_c", "apply_patch", {"input": PATCH})],
            },
            {
                "role": "tool",
                "tool_call_id": "call_c",
                "content": "Success. Updated the following files:\nM a.py\n",
            },
            {"role": "assistant", "content": "Done."},
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "thanks"},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "read_file",
                    "description": "Read a file.",
                    "parameters": READ_FILE.parameters,
                },
            }
        ],
        "tool_choice": "auto",
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_interleaved_calls_and_outputs_stay_paired() -> None:
    # The turn loop records call, output, call, output: each call keeps its own message.
    history = [
        user("go"),
        call("c1", "read_file", {"path": "a"}),
        output("c1", "A"),
        call("c2", "read_file", {"path": "b"}),
        output("c2", "B"),
    ]
    messages = build_body(request(history, instructions=""))["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant", "tool"]
    assert [m["tool_calls"][0]["id"] for m in messages if "tool_calls" in m] == ["c1", "c2"]


def test_no_tools_means_no_tools_or_tool_choice_keys() -> None:
    body = build_body(request(tools=[]))
    assert "tools" not in body and "tool_choice" not in body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


async def test_query_params_are_sent(server: ScriptedModelServer, make_client: Any) -> None:
    server.script(Reply([Text("ok")]))
    client = make_client(server.base_url, query_params={"api-version": "2024-10-21"})
    await collect(client)
    (recorded,) = server.wait_for_requests(1)
    assert recorded.path == "/v1/chat/completions"
    assert recorded.query == {"api-version": "2024-10-21"}


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


async def test_text_and_tool_calls(server: ScriptedModelServer, make_client: Any) -> None:
    server.script(
        Reply(
            [
                Text("Updating the file now."),
                FunctionCall("apply_patch", {"input": PATCH}, call_id="call_p", deltas=7),
                FunctionCall("read_file", {"path": "a.py"}, call_id="call_r"),
            ],
            usage={"prompt_tokens": 120, "completion_tokens": 30},
        )
    )
    events = await collect(make_client(server.base_url))
    assert text_of(events) == "Updating the file now."
    assert calls_of(events) == [
        ToolCall("call_p", "apply_patch", json.dumps({"input": PATCH})),
        ToolCall("call_r", "read_file", json.dumps({"path": "a.py"})),
    ]
    kinds = [type(e).__name__ for e in events]
    assert kinds[-3:] == ["ToolCall", "ToolCall", "Completed"]
    assert "ToolCall" not in kinds[: kinds.index("ToolCall")]
    done = events[-1]
    assert isinstance(done, Completed)
    assert done.response_id == "chatcmpl-1"
    assert done.usage == {
        "input_tokens": 120,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 30,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 150,
    }


async def test_text_streams_as_deltas(server: ScriptedModelServer, make_client: Any) -> None:
    server.script(Reply([Text("one two three four")]))
    events = await collect(make_client(server.base_url))
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == 4 and text_of(events) == "one two three four"
    assert calls_of(events) == [] and isinstance(events[-1], Completed)


async def test_repeated_id_and_name_in_every_fragment(make_client: Any) -> None:
    # llama-cpp-python style: id, type and name repeated in every fragment.
    def frag(args: str, index: int = 0, cid: str = "call_x", name: str = "read_file") -> bytes:
        tc = {
            "index": index,
            "id": cid,
            "type": "function",
            "function": {"name": name, "arguments": args},
        }
        return chunk({"tool_calls": [tc]})

    body = sse(
        chunk({"role": "assistant", "content": None}),
        frag('{"pa'),
        frag('th": '),
        frag('"a.py"}'),
        frag('{"path"', index=1, cid="call_y"),
        frag(': "b.py"}', index=1, cid="call_y"),
        chunk({}, "tool_calls"),
        DONE,
    )
    with RawServer(body) as raw:
        events = await collect(make_client(raw.base_url))
    assert calls_of(events) == [
        ToolCall("call_x", "read_file", '{"path": "a.py"}'),
        ToolCall("call_y", "read_file", '{"path": "b.py"}'),
    ]
    assert isinstance(events[-1], Completed) and events[-1].usage is None


async def test_fragments_without_index_and_odd_servers(make_client: Any) -> None:
    # No `index` (new id = new call), arguments as an object, reasoning not shown, no [DONE]
    # after finish_reason (clean close), and no id at all on one call.
    body = sse(
        chunk({"role": "assistant", "reasoning_content": "thinking..."}),
        chunk({"content": "Reading."}),
        chunk({"tool_calls": [{"id": "c1", "function": {"name": "read_file", "arguments": ""}}]}),
        chunk({"tool_calls": [{"function": {"arguments": '{"path": "a"}'}}]}),
        chunk(
            {
                "tool_calls": [
                    {"id": "c2", "function": {"name": "read_file", "arguments": {"path": "b"}}}
                ]
            }
        ),
        chunk({}, "stop"),
        chunk(None, usage={"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}),
    )
    with RawServer(body) as raw:
        events = await collect(make_client(raw.base_url))
    assert text_of(events) == "Reading."
    assert calls_of(events) == [
        ToolCall("c1", "read_file", '{"path": "a"}'),
        ToolCall("c2", "read_file", '{"path": "b"}'),
    ]
    done = events[-1]
    assert isinstance(done, Completed) and done.usage is not None
    assert (done.usage["input_tokens"], done.usage["output_tokens"]) == (5, 7)


async def test_call_without_id_gets_one(make_client: Any) -> None:
    body = sse(
        chunk({"tool_calls": [{"index": 0, "function": {"name": "read_file", "arguments": "{}"}}]}),
        DONE,
    )
    with RawServer(body) as raw:
        events = await collect(make_client(raw.base_url))
    (only,) = calls_of(events)
    assert only.name == "read_file" and only.arguments == "{}" and only.call_id.startswith("call_")


async def test_unstreamed_json_completion_is_accepted(make_client: Any) -> None:
    completion = {
        "id": "chatcmpl-json",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Here.",
                    "tool_calls": [tool_call("c9", "read_file", {"path": "z"})],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }
    with RawServer((200, "application/json", json.dumps(completion).encode())) as raw:
        events = await collect(make_client(raw.base_url))
    assert text_of(events) == "Here."
    assert calls_of(events) == [ToolCall("c9", "read_file", '{"path": "z"}')]
    assert isinstance(events[-1], Completed) and events[-1].response_id == "chatcmpl-json"


async def test_json_looking_text_is_kept_and_warned(
    server: ScriptedModelServer, make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    text = '{"name": "read_file", "arguments": {"path": "a.py"}}'
    server.script(Reply([Text(text)]))
    with caplog.at_level(logging.WARNING, logger="codex_lsp.models.chat"):
        events = await collect(make_client(server.base_url))
    assert text_of(events) == text and calls_of(events) == []
    assert isinstance(events[-1], Completed)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("looks like a tool call" in w and "--jinja" in w for w in warnings), warnings


def test_looks_like_tool_call() -> None:
    assert looks_like_tool_call('{"name": "shell", "parameters": {"command": ["ls"]}}')
    assert looks_like_tool_call('```json\n{"name": "ls", "arguments": {}}\n```')
    assert looks_like_tool_call('<tool_call>{"name": "ls"}</tool_call>')
    assert looks_like_tool_call('[{"function": {"name": "ls", "arguments": "{}"}}]')
    assert not looks_like_tool_call("The name is Bob.")
    assert not looks_like_tool_call('{"name": "Bob", "age": 3}')
    assert not looks_like_tool_call("[]")


# --------------------------------------------------------------------------------------------
# Errors and retries
# --------------------------------------------------------------------------------------------


async def test_401_says_check_your_api_key(server: ScriptedModelServer, make_client: Any) -> None:
    server.script(HttpError(401))
    with pytest.raises(ModelError) as info:
        await collect(make_client(server.base_url, request_retries=3))
    assert info.value.status == 401 and not info.value.retryable
    assert f"check your API key in {KEY_HINT}" in info.value.message
    assert "Incorrect API key provided." in info.value.message
    assert len(server.requests) == 1


async def test_404_names_the_model_and_base_url(
    server: ScriptedModelServer, make_client: Any
) -> None:
    server.script(HttpError(404))
    with pytest.raises(ModelError) as info:
        await collect(make_client(server.base_url, request_retries=3))
    assert f"Model 'test-model' not found at {server.base_url}" in info.value.message
    assert len(server.requests) == 1


async def test_400_about_tools_gets_a_hint(make_client: Any) -> None:
    err = {"error": {"message": '"auto" tool choice requires --enable-auto-tool-choice'}}
    with RawServer((400, "application/json", json.dumps(err).encode())) as raw:
        with pytest.raises(ModelError) as info:
            await collect(make_client(raw.base_url))
    assert "answered 400" in info.value.message and "--tool-call-parser" in info.value.message


async def test_429_is_retried_honouring_retry_after(
    server: ScriptedModelServer, make_client: Any
) -> None:
    server.script(HttpError(429, headers={"Retry-After": "0.4"}), Reply([Text("after the wait")]))
    # A long backoff shows that the server's hint, not the backoff, sets the wait.
    client = make_client(server.base_url, request_retries=2, base_delay=30.0)
    start = time.monotonic()
    events = await collect(client)
    elapsed = time.monotonic() - start
    assert text_of(events) == "after the wait"
    assert not any(isinstance(e, StreamRestart) for e in events)
    assert 0.35 <= elapsed < 5, elapsed
    assert len(server.requests) == 2


async def test_429_gives_up_after_request_max_retries(
    server: ScriptedModelServer, make_client: Any
) -> None:
    server.script(*[HttpError(429, headers={"Retry-After": "0"})] * 3)
    with pytest.raises(ModelError) as info:
        await collect(make_client(server.base_url, request_retries=2))
    assert info.value.status == 429 and "Rate limited" in info.value.message
    assert len(server.requests) == 3


async def test_stream_cut_midway_is_retried_with_stream_restart(
    server: ScriptedModelServer, make_client: Any
) -> None:
    server.script(
        Drop(after_events=3, items=[Text("one two three four five")]),
        Reply([Text("the full answer")]),
    )
    events = await collect(make_client(server.base_url, stream_retries=1))
    restarts = [i for i, e in enumerate(events) if isinstance(e, StreamRestart)]
    assert len(restarts) == 1
    assert text_of(events[: restarts[0]]) == "one two "
    assert text_of(events[restarts[0] :]) == "the full answer"
    assert isinstance(events[-1], Completed)
    assert len(server.requests) == 2


async def test_clean_early_end_without_done_is_a_retryable_error(
    server: ScriptedModelServer, make_client: Any
) -> None:
    server.script(Drop(after_events=2, items=[Text("one two three")], clean=True))
    with pytest.raises(ModelError) as info:
        await collect(make_client(server.base_url))
    assert info.value.retryable and info.value.stream_started
    assert "ended before [DONE]" in info.value.message


async def test_empty_stream_is_reported(make_client: Any) -> None:
    with RawServer(sse()) as raw:
        with pytest.raises(ModelError) as info:
            await collect(make_client(raw.base_url))
    assert "empty stream" in info.value.message


async def test_error_chunk_in_stream(server: ScriptedModelServer, make_client: Any) -> None:
    server.script(Failed(message="context too long", code="context_length_exceeded"))
    with pytest.raises(ModelError) as info:
        await collect(make_client(server.base_url, stream_retries=2))
    assert "context too long" in info.value.message and not info.value.retryable
    assert len(server.requests) == 1


async def test_transient_error_chunk_is_retried(
    server: ScriptedModelServer, make_client: Any
) -> None:
    server.script(Failed(message="overloaded, try again"), Reply([Text("recovered")]))
    events = await collect(make_client(server.base_url, stream_retries=1))
    assert text_of(events) == "recovered"


async def test_string_error_chunk(make_client: Any) -> None:
    body = sse(chunk({"role": "assistant"}), data_event({"error": "model crashed"}))
    with RawServer(body) as raw:
        with pytest.raises(ModelError) as info:
            await collect(make_client(raw.base_url))
    assert "model crashed" in info.value.message


async def test_idle_timeout(server: ScriptedModelServer, make_client: Any) -> None:
    server.script(Hang(seconds=10))
    start = time.monotonic()
    with pytest.raises(ModelError) as info:
        await collect(make_client(server.base_url, idle_timeout=0.3))
    assert time.monotonic() - start < 5
    assert "stopped sending data (timeout)" in info.value.message
    assert info.value.retryable and info.value.stream_started


async def test_idle_timeout_is_retried(server: ScriptedModelServer, make_client: Any) -> None:
    server.script(Hang(seconds=10), Reply([Text("second try")]))
    events = await collect(make_client(server.base_url, idle_timeout=0.3, stream_retries=1))
    assert text_of(events) == "second try"


async def test_connection_refused_asks_if_the_server_runs(make_client: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(ModelError) as info:
        await collect(make_client(base_url, request_retries=1))
    assert f"is the server running at {base_url}?" in info.value.message


async def test_events_are_model_events(server: ScriptedModelServer, make_client: Any) -> None:
    server.script(Reply([FunctionCall("read_file", {"path": "q"})]))
    events: list[ModelEvent | StreamRestart] = await collect(make_client(server.base_url))
    assert [type(e) for e in events] == [ToolCall, Completed]
    assert events[0] == ToolCall("call_1", "read_file", '{"path": "q"}')


async def test_cut_after_finish_reason_counts_as_complete(
    server: ScriptedModelServer, make_client: Any
) -> None:
    # role chunk, "one ", "two", finish chunk: cut before the usage chunk and [DONE].
    server.script(Drop(after_events=4, items=[Text("one two")]))
    events = await collect(make_client(server.base_url, stream_retries=1))
    assert text_of(events) == "one two"
    assert not any(isinstance(e, StreamRestart) for e in events)
    assert isinstance(events[-1], Completed) and events[-1].usage is None
    assert len(server.requests) == 1
