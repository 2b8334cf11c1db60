"""Tests for the scripted OpenAI-compatible model server used by e2e/editor tests (in process;
its command line: tests/integration/test_model_server.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse, connect_sse

from tests.support.model_server import (
    Drop,
    Failed,
    Flood,
    FunctionCall,
    Hang,
    HttpError,
    RecordedRequest,
    Reply,
    ScriptedModelServer,
    Text,
    item_from_dict,
    load_script,
    turn_from_dict,
)
from tests.support.sse import DONE, data_event, encode_event, parse_sse, responses_event

RESPONSES_BODY: dict[str, Any] = {
    "model": "gpt-test",
    "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    ],
    "tools": [],
    "tool_choice": "auto",
    "parallel_tool_calls": False,
    "stream": True,
    "store": False,
}
CHAT_BODY: dict[str, Any] = {
    "model": "gpt-test",
    "messages": [{"role": "user", "content": "hi"}],
    "stream": True,
}


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer() as srv:
        yield srv


@pytest.fixture
def client(server: ScriptedModelServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as c:
        yield c


def responses_events(client: httpx.Client, body: dict[str, Any] | None = None) -> list[dict]:
    """Consume a Responses stream; check that ``event:`` matches the JSON ``type``."""
    out = []
    with connect_sse(client, "POST", "/responses", json=body or RESPONSES_BODY) as source:
        assert source.response.status_code == 200
        for sse in source.iter_sse():
            data = json.loads(sse.data)
            assert data["type"] == sse.event
            out.append(data)
    return out


def chat_chunks(client: httpx.Client, body: dict[str, Any] | None = None) -> list[Any]:
    out: list[Any] = []
    with connect_sse(client, "POST", "/chat/completions", json=body or CHAT_BODY) as source:
        assert source.response.status_code == 200
        for sse in source.iter_sse():
            assert sse.event == "message"
            out.append("[DONE]" if sse.data == "[DONE]" else json.loads(sse.data))
    return out


# ------------------------------------------------------------------------------------------
# Responses wire
# ------------------------------------------------------------------------------------------


def test_responses_text_and_function_call_exact_sequence(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    server.script(Reply([Text("Hello there, world"), FunctionCall("read_file", {"path": "a.txt"})]))
    events = responses_events(client)
    assert [e["type"] for e in events] == [
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.output_item.done",
        "response.completed",
    ]
    created = events[0]["response"]
    assert created["status"] == "in_progress" and created["output"] == []
    assert created["model"] == "gpt-test"

    msg_added = events[1]
    assert msg_added["output_index"] == 0
    assert msg_added["item"] == {
        "type": "message",
        "id": msg_added["item"]["id"],
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    msg_id = msg_added["item"]["id"]
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    assert [d["delta"] for d in deltas] == ["Hello ", "there, ", "world"]
    assert all(d["item_id"] == msg_id and d["content_index"] == 0 for d in deltas)
    assert events[6]["text"] == "Hello there, world"
    assert events[7]["item"]["content"] == [
        {"type": "output_text", "text": "Hello there, world", "annotations": []}
    ]

    call_added = events[8]
    assert call_added["output_index"] == 1
    assert call_added["item"]["type"] == "function_call"
    assert call_added["item"]["call_id"] == "call_1"
    arg_deltas = "".join(e["delta"] for e in events[9:11])
    call_done = events[11]["item"]
    assert call_done == {
        "type": "function_call",
        "id": call_added["item"]["id"],
        "call_id": "call_1",
        "name": "read_file",
        "arguments": arg_deltas,
        "status": "completed",
    }
    assert json.loads(call_done["arguments"]) == {"path": "a.txt"}

    completed = events[-1]["response"]
    assert completed["status"] == "completed"
    assert completed["id"] == created["id"]
    assert [o["type"] for o in completed["output"]] == ["message", "function_call"]
    assert completed["output"][1] == call_done
    usage = completed["usage"]
    assert set(usage) == {
        "input_tokens",
        "input_tokens_details",
        "output_tokens",
        "output_tokens_details",
        "total_tokens",
    }
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_responses_raw_wire_format(server: ScriptedModelServer, client: httpx.Client) -> None:
    server.script(Reply([Text("ok")]))
    response = client.post("/responses", json=RESPONSES_BODY)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.startswith(
        'event: response.created\ndata: {"type":"response.created","response":'
    )
    blocks = response.text.split("\n\n")
    assert blocks[-1] == ""
    for block in blocks[:-1]:
        event_line, data_line = block.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")


def test_auto_call_ids_count_across_turns_and_explicit_ids(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    server.script(
        Reply([FunctionCall("a", {}), FunctionCall("b", "{}", call_id="mine")]),
        Reply([FunctionCall("c", {"x": 1})]),
    )
    first = [e for e in responses_events(client) if e["type"] == "response.output_item.done"]
    second = [e for e in responses_events(client) if e["type"] == "response.output_item.done"]
    assert [e["item"]["call_id"] for e in first + second] == ["call_1", "mine", "call_2"]


def test_text_deltas_and_usage_override(server: ScriptedModelServer, client: httpx.Client) -> None:
    server.script(Reply([Text("abcdefghij", deltas=4)], usage={"input_tokens": 100}))
    events = responses_events(client)
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert len(deltas) == 4 and "".join(deltas) == "abcdefghij"
    usage = events[-1]["response"]["usage"]
    assert usage["input_tokens"] == 100
    assert usage["total_tokens"] == 100 + usage["output_tokens"]


def test_function_call_argument_fragments(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    big = {"content": "y" * 300}
    server.script(Reply([FunctionCall("write", big), FunctionCall("w2", {"a": 1}, deltas=5)]))
    events = responses_events(client)
    by_index: dict[int, list[str]] = {}
    for e in events:
        if e["type"] == "response.function_call_arguments.delta":
            by_index.setdefault(e["output_index"], []).append(e["delta"])
    assert len(by_index[0]) >= 2 and json.loads("".join(by_index[0])) == big
    assert len(by_index[1]) == 5 and json.loads("".join(by_index[1])) == {"a": 1}


def test_accepts_path_without_v1_and_query(server: ScriptedModelServer) -> None:
    server.script(Reply(["one"]), Reply(["two"]))
    with httpx.Client(timeout=10) as c:
        r1 = c.post(f"{server.url}/responses", json=RESPONSES_BODY)
        r2 = c.post(
            f"{server.base_url}/responses",
            params={"api-version": "2025-04-01-preview"},
            json=RESPONSES_BODY,
        )
    assert r1.status_code == r2.status_code == 200
    assert "one" in r1.text and "two" in r2.text
    first, second = server.wait_for_requests(2)
    assert first.path == "/responses" and first.query == {}
    assert second.path == "/v1/responses"
    assert second.query == {"api-version": "2025-04-01-preview"}
    assert first.kind == second.kind == "responses"


def test_empty_reply_is_created_then_completed(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    server.script(Reply([]))
    events = responses_events(client)
    assert [e["type"] for e in events] == ["response.created", "response.completed"]
    assert events[1]["response"]["output"] == []


def test_responses_not_streamed(server: ScriptedModelServer, client: httpx.Client) -> None:
    server.script(Reply([Text("plain answer"), FunctionCall("f", {"k": "v"})]))
    response = client.post("/responses", json={**RESPONSES_BODY, "stream": False})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    obj = response.json()
    assert obj["object"] == "response" and obj["status"] == "completed"
    assert obj["output"][0]["content"][0]["text"] == "plain answer"
    assert obj["output"][1]["name"] == "f"
    assert json.loads(obj["output"][1]["arguments"]) == {"k": "v"}
    assert "usage" in obj


# ------------------------------------------------------------------------------------------
# Chat Completions wire
# ------------------------------------------------------------------------------------------


def test_chat_text_and_tool_calls(server: ScriptedModelServer, client: httpx.Client) -> None:
    server.script(
        Reply(
            [
                Text("Let me look."),
                FunctionCall("read_file", {"path": "a.txt"}),
                FunctionCall("list_dir", {"path": "."}),
            ]
        )
    )
    chunks = chat_chunks(client)
    assert chunks[-1] == "[DONE]"
    body = chunks[:-1]
    assert all(c["object"] == "chat.completion.chunk" for c in body)
    assert len({c["id"] for c in body}) == 1
    assert body[0]["choices"][0]["delta"]["role"] == "assistant"
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in body)
    assert content == "Let me look."

    fragments: dict[int, list[dict]] = {}
    for c in body:
        for tc in c["choices"][0]["delta"].get("tool_calls", []):
            fragments.setdefault(tc["index"], []).append(tc)
    assert sorted(fragments) == [0, 1]
    for index, name, args in ((0, "read_file", {"path": "a.txt"}), (1, "list_dir", {"path": "."})):
        frags = fragments[index]
        head, rest = frags[0], frags[1:]
        assert head["id"].startswith("call_") and head["type"] == "function"
        assert head["function"]["name"] == name
        assert all("id" not in f and "name" not in f["function"] for f in rest)
        arg_pieces = [f["function"]["arguments"] for f in frags]
        assert len([p for p in arg_pieces if p]) >= 2
        assert json.loads("".join(arg_pieces)) == args
    finishes = [c["choices"][0]["finish_reason"] for c in body]
    assert finishes[:-1] == [None] * (len(body) - 1)
    assert finishes[-1] == "tool_calls"


def test_chat_stop_and_include_usage(server: ScriptedModelServer, client: httpx.Client) -> None:
    server.script(Reply(["just text"]), Reply(["again"]))
    chunks = chat_chunks(client)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert "usage" not in chunks[-2]

    body = {**CHAT_BODY, "stream_options": {"include_usage": True}}
    chunks = chat_chunks(client, body)
    assert chunks[-1] == "[DONE]"
    usage_chunk = chunks[-2]
    assert usage_chunk["choices"] == []
    usage = usage_chunk["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert chunks[-3]["choices"][0]["finish_reason"] == "stop"


def test_chat_not_streamed(server: ScriptedModelServer, client: httpx.Client) -> None:
    server.script(Reply([FunctionCall("f", {"a": 1}, call_id="call_x")]))
    obj = client.post("/chat/completions", json={**CHAT_BODY, "stream": False}).json()
    assert obj["object"] == "chat.completion"
    choice = obj["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [
        {"id": "call_x", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    ]


# ------------------------------------------------------------------------------------------
# Speed
# ------------------------------------------------------------------------------------------


def test_flood_of_100k_deltas_arrives_complete(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    server.script(Reply([Flood(100_000, "x")]))
    started = time.monotonic()
    count = 0
    with connect_sse(client, "POST", "/responses", json=RESPONSES_BODY) as source:
        last = None
        for sse in source.iter_sse():
            if sse.event == "response.output_text.delta":
                count += 1
            last = sse
    elapsed = time.monotonic() - started
    assert count == 100_000
    assert last is not None and last.event == "response.completed"
    done = json.loads(last.data)["response"]["output"][0]["content"][0]["text"]
    assert done == "x" * 100_000
    assert elapsed < 30, f"flood took {elapsed:.1f}s"


def test_flood_server_side_is_fast(server: ScriptedModelServer) -> None:
    server.script(Reply([Flood(100_000, "ab")]), Reply([Flood(100_000)]))
    with httpx.Client(timeout=30) as c:
        started = time.monotonic()
        raw = c.post(f"{server.base_url}/responses", json=RESPONSES_BODY).content
        elapsed = time.monotonic() - started
        assert raw.count(b"event: response.output_text.delta\n") == 100_000
        assert elapsed < 5, f"server took {elapsed:.2f}s to stream 100k deltas"
        chat = c.post(f"{server.base_url}/chat/completions", json=CHAT_BODY).content
        assert chat.count(b'"delta":{"content":"x"}') == 100_000
        assert chat.endswith(DONE)


# ------------------------------------------------------------------------------------------
# Errors, cuts and hangs
# ------------------------------------------------------------------------------------------


def test_http_errors(server: ScriptedModelServer, client: httpx.Client) -> None:
    server.script(
        HttpError(401),
        HttpError(404, {"error": {"message": "no such model", "type": "x", "code": "y"}}),
        HttpError(429, headers={"Retry-After": "2"}),
    )
    r401 = client.post("/responses", json=RESPONSES_BODY)
    assert r401.status_code == 401
    assert r401.json()["error"]["code"] == "invalid_api_key"
    assert set(r401.json()["error"]) == {"message", "type", "code"}
    r404 = client.post("/chat/completions", json=CHAT_BODY)
    assert r404.status_code == 404
    assert r404.json() == {"error": {"message": "no such model", "type": "x", "code": "y"}}
    r429 = client.post("/responses", json=RESPONSES_BODY)
    assert r429.status_code == 429
    assert r429.headers["retry-after"] == "2"
    assert r429.json()["error"]["code"] == "rate_limit_exceeded"


def test_empty_queue_fails_loudly_then_default(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    response = client.post("/responses", json=RESPONSES_BODY)
    assert response.status_code == 500
    assert "no scripted turn left" in response.json()["error"]["message"]
    server.set_default(Reply(["default answer"]))
    for _ in range(2):
        assert "default answer" in client.post("/responses", json=RESPONSES_BODY).text
    server.set_default(None)
    assert client.post("/responses", json=RESPONSES_BODY).status_code == 500
    assert len(server.requests) == 4


def test_failed_stream(server: ScriptedModelServer, client: httpx.Client) -> None:
    server.script(Failed("model exploded", code="boom"), Failed("chat exploded"))
    events = responses_events(client)
    assert [e["type"] for e in events] == ["response.created", "response.failed"]
    failed = events[1]["response"]
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "boom", "message": "model exploded"}

    chunks = chat_chunks(client)
    assert "[DONE]" not in chunks
    assert chunks[-1]["error"]["message"] == "chat exploded"
    assert chunks[-1]["error"]["code"] == "server_error"


def test_drop_cuts_the_stream(server: ScriptedModelServer, client: httpx.Client) -> None:
    server.script(Drop(4, [Text("one two three four five six")]), Drop(2))
    received: list[str] = []
    with pytest.raises(httpx.TransportError):  # incomplete chunked read
        with connect_sse(client, "POST", "/responses", json=RESPONSES_BODY) as source:
            for sse in source.iter_sse():
                received.append(sse.event)
    assert received == [
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
    ]
    chunks: list[str] = []
    with pytest.raises(httpx.TransportError):
        with connect_sse(client, "POST", "/chat/completions", json=CHAT_BODY) as source:
            for sse in source.iter_sse():
                chunks.append(sse.data)
    assert len(chunks) == 2 and "[DONE]" not in chunks


def test_drop_clean_ends_without_completion(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    server.script(Drop(3, clean=True))
    events = responses_events(client)
    assert len(events) == 3
    assert events[-1]["type"] == "response.content_part.added"


def test_hang_notices_client_disconnect(server: ScriptedModelServer) -> None:
    server.script(Hang(30))
    started = time.monotonic()
    with httpx.Client(base_url=server.base_url, timeout=10) as c:
        with connect_sse(c, "POST", "/responses", json=RESPONSES_BODY) as source:
            first = next(source.iter_sse())
            assert first.event == "response.created"
    (request,) = server.wait_for_requests(1)
    assert request.wait_disconnected(5), "server did not notice the client going away"
    assert time.monotonic() - started < 10


def test_hang_read_timeout_and_end_after_seconds(server: ScriptedModelServer) -> None:
    server.script(Hang(30), Hang(0.3))
    with httpx.Client(base_url=server.base_url, timeout=httpx.Timeout(10, read=0.5)) as c:
        with pytest.raises(httpx.ReadTimeout):
            with connect_sse(c, "POST", "/chat/completions", json=CHAT_BODY) as source:
                events = source.iter_sse()
                assert json.loads(next(events).data)["choices"][0]["delta"]["role"] == "assistant"
                next(events)
        started = time.monotonic()
        events_seen = [e["type"] for e in responses_events(c)]
        assert events_seen == ["response.created"]
        assert 0.25 < time.monotonic() - started < 5


def test_stop_ends_a_hang() -> None:
    server = ScriptedModelServer().start()
    server.script(Hang(60))
    result: dict[str, Any] = {}

    def consume() -> None:
        with httpx.Client(base_url=server.base_url, timeout=30) as c:
            try:
                result["events"] = [e["type"] for e in responses_events(c)]
            except httpx.HTTPError as exc:  # pragma: no cover - either outcome is fine
                result["error"] = exc

    thread = threading.Thread(target=consume)
    thread.start()
    server.wait_for_requests(1)
    time.sleep(0.1)
    started = time.monotonic()
    server.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert time.monotonic() - started < 5
    assert result.get("events", ["response.created"])[0] == "response.created"


def test_slow_stream_delta_delay_and_pause_before(server: ScriptedModelServer) -> None:
    server.script(Reply([Text("a b c d e")], delta_delay=0.05, pause_before=0.2))
    arrivals: list[float] = []
    with httpx.Client(base_url=server.base_url, timeout=10) as c:
        started = time.monotonic()
        with connect_sse(c, "POST", "/responses", json=RESPONSES_BODY) as source:
            headers_at = time.monotonic() - started
            for sse in source.iter_sse():
                if sse.event == "response.output_text.delta":
                    arrivals.append(time.monotonic() - started)
    assert headers_at >= 0.18
    assert len(arrivals) == 5
    # Deltas trickle in instead of arriving in one batch.
    assert arrivals[-1] - arrivals[0] >= 0.15


# ------------------------------------------------------------------------------------------
# Recording and control
# ------------------------------------------------------------------------------------------


def test_requests_are_recorded_with_body_and_headers(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    server.script(HttpError(401), Reply(["ok"]))
    client.post(
        "/responses",
        json=RESPONSES_BODY,
        headers={"Authorization": "Bearer sk-test", "X-Custom": "Yes"},
    )
    client.post("/chat/completions", json=CHAT_BODY)
    client.get("/models")
    bad = client.post("/responses", content=b"{not json", headers={"content-type": "x"})
    assert bad.status_code == 400
    reqs = server.wait_for_requests(4)
    first = reqs[0]
    assert first.method == "POST" and first.path == "/v1/responses"
    assert first.headers["authorization"] == "Bearer sk-test"
    assert first.headers["x-custom"] == "Yes"
    assert all(k == k.lower() for k in first.headers)
    assert first.body == RESPONSES_BODY
    assert reqs[1].kind == "chat" and reqs[1].body == CHAT_BODY
    assert reqs[2].kind == "models" and reqs[2].body is None
    assert reqs[3].body is None and reqs[3].raw == b"{not json"
    assert server.pending_turns == 0  # the invalid request did not consume a turn
    assert [r.path for r in server.wait_for_requests(2, kind="responses")] == [
        "/v1/responses",
        "/v1/responses",
    ]


def test_wait_for_requests_times_out(server: ScriptedModelServer) -> None:
    with pytest.raises(TimeoutError):
        server.wait_for_requests(1, timeout=0.1)


def test_models_endpoint(server: ScriptedModelServer, client: httpx.Client) -> None:
    response = client.get("/models")
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "list"
    assert data["data"][0]["id"] == "test-model" and data["data"][0]["object"] == "model"


def test_control_endpoints(server: ScriptedModelServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        turns = [Reply(["scripted over http"]).to_dict(), {"type": "http_error", "status": 503}]
        assert c.post("/_script", json={"turns": turns}).json() == {"queued": 2}
        assert "scripted over http" in c.post("/v1/responses", json=RESPONSES_BODY).text
        assert c.post("/v1/responses", json=RESPONSES_BODY).status_code == 503
        listed = c.get("/_requests").json()
        assert [r["path"] for r in listed] == ["/v1/responses", "/v1/responses"]
        assert listed[0]["body"] == RESPONSES_BODY
        assert c.post("/_reset").json() == {"ok": True}
        assert c.get("/_requests").json() == []
        assert server.requests == []
        # Waiting form: returns as soon as a request is recorded.
        c.post("/_script", json={"turns": [], "default": "fallback"})
        threading.Timer(0.2, lambda: httpx.post(f"{server.base_url}/responses", json={})).start()
        waited = c.get("/_requests", params={"min": 1, "timeout": 5}).json()
        assert len(waited) == 1
        bad = c.post("/_script", json={"turns": [{"type": "nope"}]})
        assert bad.status_code == 400
    assert server.requests[0].body == {}


def test_turns_round_trip_through_json(tmp_path: Path) -> None:
    turns = [
        Reply(
            [Text("hi", deltas=2), FunctionCall("f", {"a": 1}, call_id="c1"), Flood(10, "z")],
            delta_delay=0.01,
            chunk=1024,
            usage={"input_tokens": 5},
            pause_before=0.1,
        ),
        HttpError(429, headers={"Retry-After": "1"}),
        Failed("bad", code="c"),
        Drop(3, [Text("cut")], clean=True),
        Hang(2.5),
    ]
    encoded = json.loads(json.dumps([t.to_dict() for t in turns]))
    assert [turn_from_dict(d) for d in encoded] == turns
    assert turn_from_dict("hello") == Reply([Text("hello")])
    assert item_from_dict({"type": "flood", "count": 3}) == Flood(3)
    with pytest.raises(ValueError, match="unknown turn type"):
        turn_from_dict({"type": "what"})
    with pytest.raises(ValueError, match="unknown field"):
        turn_from_dict({"type": "hang", "secs": 1})

    path = tmp_path / "script.json"
    path.write_text(json.dumps({"turns": encoded, "default": "bye"}))
    loaded, default = load_script(path)
    assert loaded == turns and default == Reply(["bye"])
    assert load_script([{"type": "hang"}]) == ([Hang()], ...)


def test_script_accepts_dicts_and_strings(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    server.script({"type": "reply", "items": [{"type": "text", "text": "from dict"}]}, "from str")
    assert "from dict" in client.post("/responses", json=RESPONSES_BODY).text
    assert "from str" in client.post("/responses", json=RESPONSES_BODY).text


async def test_async_client_consumes_stream(server: ScriptedModelServer) -> None:
    server.script(Reply([Text("async works"), FunctionCall("f", {})]))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as c:
        async with aconnect_sse(c, "POST", "/responses", json=RESPONSES_BODY) as source:
            types = [sse.event async for sse in source.aiter_sse()]
    assert types[0] == "response.created" and types[-1] == "response.completed"


def test_concurrent_requests(server: ScriptedModelServer) -> None:
    server.set_default(Reply([Flood(2000)]))
    counts: list[int] = []

    def one() -> None:
        with httpx.Client(base_url=server.base_url, timeout=20) as c:
            counts.append(
                sum(1 for e in responses_events(c) if e["type"] == "response.output_text.delta")
            )

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert counts == [2000] * 8
    assert len(server.requests) == 8


# ------------------------------------------------------------------------------------------
# SSE helpers
# ------------------------------------------------------------------------------------------


def test_sse_helpers() -> None:
    assert responses_event("response.created", response={}) == (
        b'event: response.created\ndata: {"type":"response.created","response":{}}\n\n'
    )
    assert data_event({"a": 1}) == b'data: {"a":1}\n\n'
    assert data_event("[DONE]") == DONE
    assert encode_event("l1\nl2", event="e") == b"event: e\ndata: l1\ndata: l2\n\n"
    raw = responses_event("x", v="é") + b": keep-alive\n\n" + DONE + b"data: partial"
    pieces = [raw[i : i + 3] for i in range(0, len(raw), 3)]  # split mid-character too
    messages = list(parse_sse(pieces))
    assert [(m.event, m.data) for m in messages] == [
        ("x", '{"type":"x","v":"é"}'),
        ("message", "[DONE]"),
    ]
    assert messages[0].json()["v"] == "é"
    assert [m.data for m in parse_sse("data: a\r\n\r\ndata: b\r\r")] == ["a", "b"]


# ------------------------------------------------------------------------------------------
# Timing of requests
# ------------------------------------------------------------------------------------------


def test_requests_carry_when_they_arrived_and_were_answered(
    server: ScriptedModelServer, client: httpx.Client
) -> None:
    """The benchmark subtracts the model's own time (answered_at - received_at)."""
    before = time.perf_counter()
    server.script(Reply([Text("hi")]))
    responses_events(client)
    (req,) = server.requests
    assert req.answered_at is not None
    assert before <= req.received_at <= req.answered_at <= time.perf_counter()
    again = RecordedRequest.from_dict(req.to_dict())
    assert (again.received_at, again.answered_at) == (req.received_at, req.answered_at)
