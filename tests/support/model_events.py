"""The event streams of a resolved answer in each wire shape the server speaks.

Responses (``event:``/``data:`` pairs from ``response.created`` to ``response.completed``,
optionally OpenAI's full set with ``sequence_number``), Chat Completions (``data:`` chunks
ending with ``[DONE]``, or one ``chat.completion`` object unstreamed) and legacy FIM
completions (via :mod:`tests.support.model_fim`).  Each generator yields
``(event bytes, is_delta)`` so the handler can pace deltas.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

from .model_fim import completion_events
from .model_items import Reasoning, ResolvedExtra
from .model_resolved import _Call, _Message, _Resolved
from .sse import DONE, comment, data_event, responses_event

_Events: TypeAlias = Iterator[tuple[bytes, bool]]


def _insert_event(events: _Events, extra: tuple[bytes, bool], at: int) -> _Events:
    """``events`` with ``extra`` slipped in before event number ``at`` (or at the end)."""
    sent = False
    for index, event in enumerate(events):
        if index == at:
            sent = True
            yield extra
        yield event
    if not sent:
        yield extra


def _responses_events(r: _Resolved) -> _Events:
    if r.full:
        yield from _numbered(_responses_events_plain(r))
    else:
        yield from _responses_events_plain(r)


def _numbered(events: _Events) -> _Events:
    """Every event with OpenAI's ``sequence_number``; a keep-alive comment after the start."""
    for number, (data, is_delta) in enumerate(events):
        head, _, rest = data.partition(b"\ndata: {")
        yield head + b'\ndata: {"sequence_number":%d,' % number + rest, is_delta
        if number == 0:
            in_progress = b"event: response.in_progress\ndata: " + data.split(b"data: ", 1)[1]
            in_progress = in_progress.replace(b'"response.created"', b'"response.in_progress"', 1)
            yield in_progress, False
            yield comment("keep-alive"), False


def _responses_events_plain(r: _Resolved) -> _Events:
    yield (
        responses_event("response.created", response=r.response_object("in_progress", [])),
        False,
    )
    for index, out in enumerate(r.outputs):
        if isinstance(out, _Message):
            yield from _responses_message_events(out, index)
        elif isinstance(out, ResolvedExtra):
            yield from out.responses_events(index)
        else:
            yield from _responses_call_events(out, index)
    yield (
        responses_event(
            "response.completed", response=r.response_object("completed", r.final_output())
        ),
        False,
    )


def _responses_message_events(m: _Message, index: int) -> _Events:
    added: dict[str, Any] = {
        "type": "message",
        "id": m.id,
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    yield responses_event("response.output_item.added", output_index=index, item=added), False
    part = {"type": "output_text", "text": "", "annotations": []}
    yield (
        responses_event(
            "response.content_part.added",
            item_id=m.id,
            output_index=index,
            content_index=0,
            part=part,
        ),
        False,
    )
    pieces: Iterable[str] = m.pieces
    if m.flood is not None:
        piece, count = m.flood
        event = responses_event(
            "response.output_text.delta",
            item_id=m.id,
            output_index=index,
            content_index=0,
            delta=piece,
        )
        for _ in range(count):
            yield event, True
        pieces = ()
    for piece in pieces:
        yield (
            responses_event(
                "response.output_text.delta",
                item_id=m.id,
                output_index=index,
                content_index=0,
                delta=piece,
            ),
            True,
        )
    yield (
        responses_event(
            "response.output_text.done",
            item_id=m.id,
            output_index=index,
            content_index=0,
            text=m.text,
        ),
        False,
    )
    yield (
        responses_event("response.output_item.done", output_index=index, item=m.final_item()),
        False,
    )


def _responses_call_events(c: _Call, index: int) -> _Events:
    yield (
        responses_event("response.output_item.added", output_index=index, item=c.item(False)),
        False,
    )
    for fragment in c.fragments:
        yield (
            responses_event(
                "response.function_call_arguments.delta",
                item_id=c.id,
                output_index=index,
                delta=fragment,
            ),
            True,
        )
    yield (
        responses_event("response.output_item.done", output_index=index, item=c.item(True)),
        False,
    )


def _chat_chunk(r: _Resolved, delta: dict[str, Any], finish: str | None = None) -> bytes:
    return data_event(
        {
            "id": r.chat_id,
            "object": "chat.completion.chunk",
            "created": r.created,
            "model": r.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


def _events_for(kind: str, r: _Resolved) -> _Events:
    """The stream for one endpoint: Responses, Chat, or legacy (FIM) completions."""
    if kind == "responses":
        return _responses_events(r)
    if kind == "completions":
        pieces = [p for o in r.outputs if isinstance(o, _Message) for p in o.pieces]
        return completion_events(r, pieces)
    return _chat_events(r)


def _chat_events(r: _Resolved) -> _Events:
    yield _chat_chunk(r, {"role": "assistant", "content": ""}), False
    tool_index = 0
    for out in r.outputs:
        if isinstance(out, ResolvedExtra):
            if isinstance(out.source, Reasoning):
                for part in out.source.summary:
                    yield _chat_chunk(r, {"reasoning_content": part}), True
            continue
        if isinstance(out, _Message):
            if out.flood is not None:
                piece, count = out.flood
                event = _chat_chunk(r, {"content": piece})
                for _ in range(count):
                    yield event, True
            for piece in out.pieces:
                yield _chat_chunk(r, {"content": piece}), True
            continue
        head = {
            "index": tool_index,
            "id": out.call_id,
            "type": "function",
            "function": {"name": out.name, "arguments": ""},
        }
        yield _chat_chunk(r, {"tool_calls": [head]}), False
        for fragment in out.fragments:
            frag = {"index": tool_index, "function": {"arguments": fragment}}
            yield _chat_chunk(r, {"tool_calls": [frag]}), True
        tool_index += 1
    yield _chat_chunk(r, {}, "tool_calls" if r.any_calls else "stop"), False
    if r.include_chat_usage:
        yield (
            data_event(
                {
                    "id": r.chat_id,
                    "object": "chat.completion.chunk",
                    "created": r.created,
                    "model": r.model,
                    "choices": [],
                    "usage": r.chat_usage(),
                }
            ),
            False,
        )
    yield DONE, False


def _chat_completion(r: _Resolved) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": r.text or None}
    if r.calls:
        message["tool_calls"] = [
            {
                "id": c.call_id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in r.calls
        ]
    return {
        "id": r.chat_id,
        "object": "chat.completion",
        "created": r.created,
        "model": r.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if r.calls else "stop",
            }
        ],
        "usage": r.chat_usage(),
    }
