"""The legacy `/v1/completions` endpoint as OpenAI-compatible FIM servers serve it.

llama.cpp's server, Ollama and vLLM answer `POST /v1/completions` with `prompt` and
`suffix` (fill in the middle): streamed, `data:` chunks of `text_completion` objects
whose `choices[0].text` carries the inserted text, ending with `data: [DONE]`; or one
JSON object when `stream` is false. The scripted server answers a `Reply` with its text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .sse import DONE, data_event


def _chunk(r: Any, text: str, finish: str | None) -> bytes:
    return data_event(
        {
            "id": f"cmpl-{r.number}",
            "object": "text_completion",
            "created": r.created,
            "model": r.model,
            "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish}],
        }
    )


def completion_events(r: Any, pieces: list[str]) -> Iterator[tuple[bytes, bool]]:
    """The streamed events of a completion made of `pieces`."""
    for piece in pieces:
        yield _chunk(r, piece, None), True
    yield _chunk(r, "", "stop"), False
    yield DONE, False


def completion_object(r: Any, text: str) -> dict[str, Any]:
    """The whole (unstreamed) completion."""
    return {
        "id": f"cmpl-{r.number}",
        "object": "text_completion",
        "created": r.created,
        "model": r.model,
        "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}],
        "usage": r.chat_usage(),
    }
