"""Output items of the scripted model server beyond text and function calls.

Shapes from OpenAI's Responses streaming reference (and what Codex accepts):

* :class:`Reasoning` — a ``reasoning`` item with ``encrypted_content`` and summary parts:
  ``response.output_item.added`` (empty summary), per part
  ``response.reasoning_summary_part.added``, ``response.reasoning_summary_text.delta``
  ``{item_id, output_index, summary_index, delta}``, ``response.reasoning_summary_text.done``,
  ``response.reasoning_summary_part.done``, then ``response.output_item.done`` (whole item).
  Over Chat Completions its summary streams as ``delta.reasoning_content``.
* :class:`CustomCall` — a freeform tool call: ``custom_tool_call`` ``{call_id, name, input}``
  with ``response.custom_tool_call_input.delta`` pieces.
* :class:`WebSearchCall` — the built-in ``web_search`` tool's ``web_search_call`` item
  ``{id, status, action: {type: "search", query, sources?}}``: ``response.output_item.added``
  (``in_progress``, no action), ``response.web_search_call.in_progress``, ``.searching``,
  ``.completed`` (each ``{output_index, item_id}``), then ``response.output_item.done``.
* :class:`OtherItem` — an output item of a type the client does not know (added + done).

Each streamed event is ``(bytes, is_delta)`` like the server's own generators.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .sse import responses_event

_Events = Iterator[tuple[bytes, bool]]
_ids = itertools.count(1)


@dataclass
class Reasoning:
    """A reasoning item: ``summary`` parts (each streamed in word pieces), opaque content."""

    summary: list[str] = field(default_factory=lambda: ["Thinking about the change."])
    encrypted_content: str | None = None
    """Default: ``enc-<n>`` (unique), standing for the API's opaque ciphertext."""
    kind: ClassVar[str] = "reasoning"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "summary": self.summary,
            "encrypted_content": self.encrypted_content,
        }


@dataclass
class CustomCall:
    """A freeform (custom) tool call whose ``input`` is raw text (e.g. a patch)."""

    name: str
    input: str
    call_id: str | None = None
    kind: ClassVar[str] = "custom_tool_call"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "name": self.name, "input": self.input, "call_id": self.call_id}


@dataclass
class OtherItem:
    """An output item of any other type, sent as is (``id`` added)."""

    item: dict[str, Any] = field(
        default_factory=lambda: {"type": "future_widget", "status": "completed", "payload": 1}
    )
    kind: ClassVar[str] = "other_item"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "item": self.item}


@dataclass
class WebSearchCall:
    """A search OpenAI ran with the built-in ``web_search`` tool (``sources``: URLs)."""

    query: str
    sources: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "web_search_call"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "query": self.query, "sources": self.sources}


EXTRA_ITEMS: tuple[type[Any], ...] = (Reasoning, CustomCall, OtherItem, WebSearchCall)


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words) if w or i == 0]


@dataclass
class ResolvedExtra:
    """One extra item bound to a response: its id and final JSON."""

    source: Reasoning | CustomCall | OtherItem | WebSearchCall
    id: str
    call_id: str = ""

    @property
    def text(self) -> str:
        return ""

    def final_item(self) -> dict[str, Any]:
        src = self.source
        if isinstance(src, Reasoning):
            return {
                "type": "reasoning",
                "id": self.id,
                "summary": [{"type": "summary_text", "text": t} for t in src.summary],
                "encrypted_content": src.encrypted_content or f"enc-{self.id}",
            }
        if isinstance(src, CustomCall):
            return {
                "type": "custom_tool_call",
                "id": self.id,
                "status": "completed",
                "call_id": self.call_id,
                "name": src.name,
                "input": src.input,
            }
        if isinstance(src, WebSearchCall):
            action: dict[str, Any] = {"type": "search", "query": src.query}
            if src.sources:
                action["sources"] = [{"type": "url", "url": u} for u in src.sources]
            return {
                "type": "web_search_call",
                "id": self.id,
                "status": "completed",
                "action": action,
            }
        return {"id": self.id, **src.item}

    def responses_events(self, index: int) -> _Events:
        final = self.final_item()
        src = self.source
        if isinstance(src, Reasoning):
            added = {**final, "summary": []}
            yield (
                responses_event("response.output_item.added", output_index=index, item=added),
                False,
            )
            for n, text in enumerate(src.summary):
                yield from _summary_part_events(self.id, index, n, text)
        elif isinstance(src, CustomCall):
            added = {**final, "input": "", "status": "in_progress"}
            yield (
                responses_event("response.output_item.added", output_index=index, item=added),
                False,
            )
            for piece in _pieces(src.input):
                event = responses_event(
                    "response.custom_tool_call_input.delta",
                    item_id=self.id,
                    output_index=index,
                    delta=piece,
                )
                yield event, True
        elif isinstance(src, WebSearchCall):
            added = {"type": "web_search_call", "id": self.id, "status": "in_progress"}
            yield (
                responses_event("response.output_item.added", output_index=index, item=added),
                False,
            )
            for phase in ("in_progress", "searching", "completed"):
                event = responses_event(
                    f"response.web_search_call.{phase}", output_index=index, item_id=self.id
                )
                yield event, False
        else:
            yield (
                responses_event("response.output_item.added", output_index=index, item=final),
                False,
            )
        yield responses_event("response.output_item.done", output_index=index, item=final), False


def _summary_part_events(item_id: str, index: int, n: int, text: str) -> _Events:
    where = {"item_id": item_id, "output_index": index, "summary_index": n}
    part = {"type": "summary_text", "text": ""}
    yield responses_event("response.reasoning_summary_part.added", **where, part=part), False
    for piece in _pieces(text):
        yield responses_event("response.reasoning_summary_text.delta", **where, delta=piece), True
    yield responses_event("response.reasoning_summary_text.done", **where, text=text), False
    done = {"type": "summary_text", "text": text}
    yield responses_event("response.reasoning_summary_part.done", **where, part=done), False


def resolve_extra(
    item: Reasoning | CustomCall | OtherItem | WebSearchCall,
    number: int,
    index: int,
    next_call_id: Any,
) -> ResolvedExtra:
    """Bind an extra item to response ``number`` (ids like the server's own)."""
    prefixes = {"reasoning": "rs", "custom_tool_call": "ctc", "web_search_call": "ws"}
    prefix = prefixes.get(item.kind, "oi")
    call_id = ""
    if isinstance(item, CustomCall):
        call_id = item.call_id or next_call_id()
    return ResolvedExtra(item, f"{prefix}_{number}_{index}", call_id)
