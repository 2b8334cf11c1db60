"""Resolving a scripted reply into concrete output: ids, text pieces, argument fragments, usage.

:func:`resolve` turns a turn's items into a :class:`_Resolved` answer (``resp_<n>``,
``msg_<n>_<i>``, ``fc_<n>_<i>``, ``call_<k>`` ids; word-sized text deltas; argument
fragments of at most 32 characters; token usage estimated from the sizes) that the event
builders of :mod:`tests.support.model_events` stream in either wire shape.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .model_items import (
    CustomCall,
    OtherItem,
    Reasoning,
    ResolvedExtra,
    WebSearchCall,
    resolve_extra,
)
from .model_script import Flood, Item, Text
from .sse import dumps

DEFAULT_MODEL = "test-model"
"""The one model ``GET /v1/models`` lists (and the model echoed when a request names none)."""

MODELS_LIST: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": DEFAULT_MODEL,
            "object": "model",
            "created": 0,
            "owned_by": "scripted-model-server",
        }
    ],
}
"""The body of ``GET /v1/models``."""

_WORDS = re.compile(r"\s*\S+\s*")


def _split_even(text: str, n: int) -> list[str]:
    n = max(1, min(n, len(text)))
    size = len(text)
    return [text[(i * size) // n : ((i + 1) * size) // n] for i in range(n)]


def _split_text(text: str, deltas: int | None) -> list[str]:
    if not text:
        return []
    if deltas is not None:
        return _split_even(text, deltas)
    return _WORDS.findall(text) or [text]


def _split_arguments(arguments: str, deltas: int | None) -> list[str]:
    if not arguments:
        return []
    n = deltas if deltas is not None else max(2, math.ceil(len(arguments) / 32))
    return _split_even(arguments, n)


@dataclass
class _Message:
    id: str
    text: str
    pieces: list[str]  # empty for a flood
    flood: tuple[str, int] | None = None

    def final_item(self) -> dict[str, Any]:
        return {
            "type": "message",
            "id": self.id,
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": self.text, "annotations": []}],
        }


@dataclass
class _Call:
    id: str
    call_id: str
    name: str
    arguments: str
    fragments: list[str]

    def item(self, done: bool) -> dict[str, Any]:
        return {
            "type": "function_call",
            "id": self.id,
            "call_id": self.call_id,
            "name": self.name,
            "arguments": self.arguments if done else "",
            "status": "completed" if done else "in_progress",
        }


@dataclass
class _Resolved:
    number: int
    response_id: str
    chat_id: str
    model: str
    created: int
    outputs: list[_Message | _Call | ResolvedExtra]
    usage: dict[str, Any]
    include_chat_usage: bool
    full: bool = False

    @property
    def text(self) -> str:
        return "".join(o.text for o in self.outputs if isinstance(o, _Message))

    @property
    def calls(self) -> list[_Call]:
        return [o for o in self.outputs if isinstance(o, _Call)]

    @property
    def any_calls(self) -> bool:
        """Function or custom tool calls (both end a Chat answer with ``tool_calls``)."""
        return any(
            isinstance(o, _Call) or (isinstance(o, ResolvedExtra) and o.call_id)
            for o in self.outputs
        )

    def response_object(self, status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "model": self.model,
            "output": output,
        }
        if status == "completed":
            obj["usage"] = self.usage
        return obj

    def final_output(self) -> list[dict[str, Any]]:
        return [o.item(True) if isinstance(o, _Call) else o.final_item() for o in self.outputs]

    def chat_usage(self) -> dict[str, Any]:
        prompt = int(self.usage["input_tokens"])
        completion = int(self.usage["output_tokens"])
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }


def _usage(
    override: dict[str, Any] | None, input_tokens: int, output_tokens: int
) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
    }
    override = dict(override or {})
    if "prompt_tokens" in override:
        override.setdefault("input_tokens", override.pop("prompt_tokens"))
    if "completion_tokens" in override:
        override.setdefault("output_tokens", override.pop("completion_tokens"))
    usage.update(override)
    if "total_tokens" not in override:
        usage["total_tokens"] = int(usage["input_tokens"]) + int(usage["output_tokens"])
    return usage


# --------------------------------------------------------------------------------------------
# Event generators.  Each yields (event bytes, is_delta).


def resolve(
    number: int,
    items: Sequence[Item],
    body: dict[str, Any],
    usage: dict[str, Any] | None,
    next_call_id: Callable[[], str],
) -> _Resolved:
    """The concrete answer to request ``number`` (``next_call_id`` numbers the calls)."""
    outputs: list[_Message | _Call | ResolvedExtra] = []
    out_chars = 0
    for index, item in enumerate(items):
        if isinstance(item, Reasoning | CustomCall | OtherItem | WebSearchCall):
            outputs.append(resolve_extra(item, number, index, next_call_id))
            out_chars += len(dumps(item.to_dict()))
        elif isinstance(item, Text):
            pieces = _split_text(item.text, item.deltas)
            outputs.append(_Message(f"msg_{number}_{index}", item.text, pieces))
            out_chars += len(item.text)
        elif isinstance(item, Flood):
            text = item.piece * item.count
            outputs.append(_Message(f"msg_{number}_{index}", text, [], (item.piece, item.count)))
            out_chars += len(text)
        else:
            args = item.arguments if isinstance(item.arguments, str) else json.dumps(item.arguments)
            call_id = item.call_id or next_call_id()
            fragments = _split_arguments(args, item.deltas)
            outputs.append(_Call(f"fc_{number}_{index}", call_id, item.name, args, fragments))
            out_chars += len(args) + len(item.name)
    in_tokens = max(1, len(dumps(body)) // 4)
    out_tokens = max(1, out_chars // 4) if outputs else 0
    stream_options = body.get("stream_options")
    include_usage = isinstance(stream_options, dict) and bool(stream_options.get("include_usage"))
    return _Resolved(
        number=number,
        response_id=f"resp_{number}",
        chat_id=f"chatcmpl-{number}",
        model=str(body.get("model") or DEFAULT_MODEL),
        created=int(time.time()),
        outputs=outputs,
        usage=_usage(usage, in_tokens, out_tokens),
        include_chat_usage=include_usage,
    )
