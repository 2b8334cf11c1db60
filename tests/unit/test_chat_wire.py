"""Chat Completions as local servers speak it: reasoning apart from the answer, an output
cap, usage in the stream only where accepted, and a llama.cpp error that no retry fixes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from codex_lsp.models.base import Completed, ModelError, ReasoningDelta, TextDelta, ToolSpec
from codex_lsp.models.chat import ChatClient, build_body
from tests.support.model_server import HttpError, Reasoning, Reply, ScriptedModelServer, Text
from tests.unit.test_chat_client import endpoint, request


@pytest.fixture
def server() -> ScriptedModelServer:
    with ScriptedModelServer() as srv:
        yield srv


async def test_reasoning_content_is_reasoning_and_usage_comes_in_the_last_chunk(
    server: ScriptedModelServer,
) -> None:
    server.script(Reply([Reasoning(["Let me think.", " Done thinking."]), Text("Answer.")]))
    client = ChatClient(endpoint(server.base_url))
    try:
        events = [e async for e in client.stream(request())]
    finally:
        await client.aclose()
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == (
        "Let me think. Done thinking."
    )
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Answer."
    done = events[-1]
    assert isinstance(done, Completed) and done.usage is not None
    assert done.usage["output_tokens"] > 0


def test_body_caps_the_output_and_declares_freeform_tools_as_functions() -> None:
    tools = [ToolSpec("apply_patch", "Edit.", {}, "start: x")]
    body = build_body(replace(request(tools=tools), max_output_tokens=8192))
    assert body["max_tokens"] == 8192
    params = body["tools"][0]["function"]["parameters"]
    assert params["required"] == ["input"]
    history = [
        {"type": "custom_tool_call", "call_id": "c1", "name": "apply_patch", "input": "P"},
        {"type": "custom_tool_call_output", "call_id": "c1", "output": "ok"},
        {"type": "reasoning", "summary": [], "encrypted_content": "x"},
    ]
    messages = build_body(request(history))["messages"]
    assert messages[1]["tool_calls"][0]["function"]["arguments"] == '{"input": "P"}'
    assert messages[2] == {"role": "tool", "tool_call_id": "c1", "content": "ok"}
    assert len(messages) == 3


async def test_a_server_refusing_stream_options_is_asked_again_without(
    server: ScriptedModelServer,
) -> None:
    refusal = {"error": {"message": "Unrecognized request argument: stream_options"}}
    server.script(HttpError(400, refusal), Reply([Text("ok")]))
    client = ChatClient(endpoint(server.base_url, request_retries=1))
    try:
        events = [e async for e in client.stream(request())]
    finally:
        await client.aclose()
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "ok"
    first, second = server.requests
    assert first.body is not None and "stream_options" in first.body
    assert second.body is not None and "stream_options" not in second.body


async def test_llama_cpp_without_jinja_fails_once_with_the_fix(server: ScriptedModelServer) -> None:
    body = {
        "error": {
            "code": 500,
            "message": "tools param requires --jinja flag",
            "type": "server_error",
        }
    }
    server.script(HttpError(500, body), Reply([Text("never")]))
    client = ChatClient(endpoint(server.base_url, request_retries=4))
    try:
        with pytest.raises(ModelError) as caught:
            [e async for e in client.stream(request())]
    finally:
        await client.aclose()
    assert len(server.requests) == 1
    assert not caught.value.retryable
    assert "llama-server --jinja" in caught.value.message
