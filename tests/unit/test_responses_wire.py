"""The Responses client as Codex speaks it: request body, the real event shapes, limits.

Against the scripted server over real HTTP on 127.0.0.1; shapes from OpenAI's reference.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from codex_lsp.config import load_config
from codex_lsp.models.base import (
    Completed,
    ModelError,
    ModelRequest,
    OutputItem,
    RateLimits,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    ToolSpec,
)
from codex_lsp.models.family import wire_options
from codex_lsp.models.limits import local_time, rate_limit_windows, usage_limit_message
from codex_lsp.models.responses import ResponsesClient, build_body
from tests.support.model_server import (
    CustomCall,
    FunctionCall,
    HttpError,
    OtherItem,
    Reasoning,
    Reply,
    ScriptedModelServer,
    Text,
)
from tests.unit.test_chat_client import endpoint, request

PATCH = "*** Begin Patch\n*** Update File: a.py\n@@\n-x = 1\n+x = 2\n*** End Patch\n"
LIMIT_HEADERS = {
    "x-codex-primary-used-percent": "42.5",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-at": "1900000000",
    "x-codex-secondary-used-percent": "7",
    "x-codex-secondary-window-minutes": "10080",
}


@pytest.fixture
def server() -> ScriptedModelServer:
    with ScriptedModelServer() as srv:
        yield srv


async def _stream(server: ScriptedModelServer, req: ModelRequest | None = None) -> list[Any]:
    client = ResponsesClient(endpoint(server.base_url))
    try:
        return [e async for e in client.stream(req or request())]
    finally:
        await client.aclose()


def reasoning_request() -> ModelRequest:
    history: list[Any] = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "enc"},
    ]
    return replace(
        request(history),
        reasoning_effort="high",
        reasoning_summary="auto",
        prompt_cache_key="thread-1",
        verbosity="low",
        tools=[ToolSpec("apply_patch", "Edit files.", {}, "start: x")],
    )


def test_body_is_codex_shaped_with_reasoning() -> None:
    body = build_body(reasoning_request())
    assert body["store"] is False and body["stream"] is True
    assert body["reasoning"] == {"effort": "high", "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["prompt_cache_key"] == "thread-1"
    assert body["text"] == {"verbosity": "low"}
    assert all("id" not in item for item in body["input"])
    assert body["tools"] == [
        {
            "type": "custom",
            "name": "apply_patch",
            "description": "Edit files.",
            "format": {"type": "grammar", "syntax": "lark", "definition": "start: x"},
        }
    ]
    for key in ("temperature", "top_p", "max_output_tokens", "previous_response_id"):
        assert key not in body


def test_body_without_reasoning_asks_for_no_encrypted_content() -> None:
    body = build_body(request())
    assert "reasoning" not in body and body["include"] == []
    assert "prompt_cache_key" not in body and "text" not in body


@pytest.mark.parametrize(
    ("model", "provider", "reasoning", "freeform"),
    [
        ("gpt-5.5", "openai", "medium", True),
        ("o4-mini", "openai", "medium", False),
        ("gpt-4.1", "openai", None, False),
        ("gpt-5.5", "ollama", None, False),
    ],
)
def test_defaults_follow_the_model_family(
    tmp_path: Any, model: str, provider: str, reasoning: str | None, freeform: bool
) -> None:
    loaded = load_config(
        home=tmp_path,
        env={"OPENAI_API_KEY": "k"},
        overrides={"model": model, "model_provider": provider},
    )
    options = wire_options(loaded)
    assert (options.reasoning_effort, options.freeform_apply_patch) == (reasoning, freeform)
    assert (options.max_output_tokens is None) == (provider == "openai")


def test_config_keys_override_the_family(tmp_path: Any) -> None:
    overrides = {
        "model": "gpt-4.1",
        "model_supports_reasoning_summaries": True,
        "model_reasoning_effort": "low",
        "model_reasoning_summary": "none",
        "apply_patch_tool_type": "freeform",
        "service_tier": "flex",
    }
    loaded = load_config(home=tmp_path, env={"OPENAI_API_KEY": "k"}, overrides=overrides)
    options = wire_options(loaded)
    assert options.reasoning_effort == "low" and options.reasoning_summary is None
    assert options.freeform_apply_patch and options.service_tier == "flex"
    assert not loaded.warnings


async def test_reasoning_custom_call_and_unknown_item_from_the_full_event_set(
    server: ScriptedModelServer,
) -> None:
    server.script(
        Reply(
            [
                Reasoning(["Looking at a.py.", "Planning the edit."], "opaque-1"),
                Text("Editing."),
                CustomCall("apply_patch", PATCH, "c1"),
                OtherItem(),
            ],
            full=True,
            usage={"input_tokens": 100, "input_tokens_details": {"cached_tokens": 64}},
        )
    )
    events = await _stream(server)
    thinking = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert thinking == "Looking at a.py.\n\nPlanning the edit."
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Editing."
    kept = [e.item for e in events if isinstance(e, OutputItem)]
    assert kept == [
        {
            "type": "reasoning",
            "summary": [
                {"type": "summary_text", "text": "Looking at a.py."},
                {"type": "summary_text", "text": "Planning the edit."},
            ],
            "encrypted_content": "opaque-1",
        }
    ]
    assert [e for e in events if isinstance(e, ToolCall)] == [
        ToolCall("c1", "apply_patch", PATCH, custom=True)
    ]
    done = events[-1]
    assert isinstance(done, Completed) and done.usage is not None
    assert done.usage["input_tokens_details"] == {"cached_tokens": 64}


async def test_identity_headers_go_out_and_rate_limit_headers_come_back(
    server: ScriptedModelServer,
) -> None:
    server.script(Reply([Text("ok")], headers=LIMIT_HEADERS))
    headers = {"session-id": "t-1", "originator": "codex_cli_rs", "Authorization": "Bearer evil"}
    events = await _stream(server, replace(request(), headers=headers))
    [sent] = server.requests
    assert sent.headers["session-id"] == "t-1" and sent.headers["originator"] == "codex_cli_rs"
    assert sent.headers["authorization"] == "Bearer sk-test"  # configured headers win
    assert events[0] == RateLimits(
        {
            "primary": {"usedPercent": 42.5, "windowMinutes": 300, "resetsAt": 1900000000},
            "secondary": {"usedPercent": 7, "windowMinutes": 10080},
        }
    )


async def test_usage_limit_reached_is_not_retried_and_says_when(
    server: ScriptedModelServer,
) -> None:
    resets = int(time.time()) + 3600
    body = {"error": {"type": "usage_limit_reached", "plan_type": "plus", "resets_at": resets}}
    server.script(HttpError(429, body), Reply([Text("never")]))
    client = ResponsesClient(endpoint(server.base_url, request_retries=3))
    try:
        with pytest.raises(ModelError) as caught:
            [e async for e in client.stream(request())]
    finally:
        await client.aclose()
    assert len(server.requests) == 1
    assert caught.value.retryable is False
    assert caught.value.message == (
        f"You've hit your usage limit (plus plan). It resets at {local_time(resets)} (local time)."
    )


def test_limit_helpers_on_odd_input() -> None:
    assert rate_limit_windows({"x-codex-primary-used-percent": "n/a"}) == {}
    assert usage_limit_message({"type": "rate_limit_exceeded"}) is None
    assert usage_limit_message({"type": "usage_limit_reached"}) == (
        "You've hit your usage limit. Try again later."
    )
    assert local_time(0, now=0).endswith("today")


async def test_function_call_arguments_stream_in_deltas(server: ScriptedModelServer) -> None:
    server.script(Reply([FunctionCall("read_file", {"path": "a.py"}, "f1", deltas=4)], full=True))
    events = await _stream(server)
    assert [e for e in events if isinstance(e, ToolCall)] == [
        ToolCall("f1", "read_file", '{"path": "a.py"}')
    ]
