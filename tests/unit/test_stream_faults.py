"""Both wire clients against stream faults of the scripted server: a malformed event is
skipped with a warning (as Codex does) rather than failing the turn, an unknown event type
is ignored, and a TCP reset mid-stream is a retried stream drop."""

from __future__ import annotations

import logging

import pytest

from codex_lsp.models.base import ModelError
from codex_lsp.models.chat import ChatClient
from codex_lsp.models.responses import ResponsesClient
from codex_lsp.models.retry import StreamRestart
from tests.support.model_server import Drop, Garbled, Reply, ScriptedModelServer, Text
from tests.unit.test_chat_client import endpoint, request, text_of

MALFORMED = {
    "responses": 'event: response.output_text.delta\ndata: {"type": "response.output_text.delta", "delta": \n\n',
    "chat": 'data: {"id": "chatcmpl-x", "choices": [{"delta": {"content": \n\n',
}
UNKNOWN = {
    "responses": 'event: response.future_event\ndata: {"type": "response.future_event", "sequence_number": 9}\n\n',
    "chat": 'event: future\ndata: {"id": "chatcmpl-x", "object": "chat.completion.future", "choices": []}\n\n',
}


def _client(kind: str, base_url: str, **kw: int) -> ResponsesClient | ChatClient:
    cls = ResponsesClient if kind == "responses" else ChatClient
    return cls(endpoint(base_url, **kw))


@pytest.fixture
def server() -> ScriptedModelServer:
    with ScriptedModelServer() as srv:
        yield srv


@pytest.mark.parametrize("kind", ["responses", "chat"])
async def test_malformed_event_is_skipped_with_a_warning(
    server: ScriptedModelServer, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(Garbled(MALFORMED[kind], [Text("whole answer")], at=2))
    client = _client(kind, server.base_url)
    try:
        with caplog.at_level(logging.WARNING):
            events = [e async for e in client.stream(request())]
    finally:
        await client.aclose()
    assert text_of(events) == "whole answer"
    assert any("malformed" in r.getMessage() for r in caplog.records)
    assert len(server.requests) == 1


@pytest.mark.parametrize("kind", ["responses", "chat"])
async def test_unknown_event_type_is_ignored(server: ScriptedModelServer, kind: str) -> None:
    server.script(Garbled(UNKNOWN[kind], [Text("fine")], at=1))
    client = _client(kind, server.base_url)
    try:
        events = [e async for e in client.stream(request())]
    finally:
        await client.aclose()
    assert text_of(events) == "fine"


@pytest.mark.parametrize("kind", ["responses", "chat"])
async def test_reset_mid_stream_is_retried_then_one_message(
    server: ScriptedModelServer, kind: str
) -> None:
    server.script(Drop(after_events=3, reset=True), Reply([Text("second try")]))
    client = _client(kind, server.base_url, stream_retries=1)
    try:
        events = [e async for e in client.stream(request())]
        restarted = any(isinstance(e, StreamRestart) for e in events)
        assert text_of(events) == "second try" or restarted
        assert text_of(events).endswith("second try") and len(server.requests) == 2
        server.script(Drop(after_events=3, reset=True), Drop(after_events=3, reset=True))
        with pytest.raises(ModelError) as failed:
            _ = [e async for e in client.stream(request())]
        # One clear message naming the server and the failure (never an empty "broke: ").
        assert server.base_url in failed.value.message
        assert not failed.value.message.rstrip().endswith(":")
    finally:
        await client.aclose()
