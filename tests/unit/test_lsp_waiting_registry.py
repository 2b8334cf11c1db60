"""`WaitingRegistry`: the one way a change or a command waits for a decision no prompt gave."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

import pytest

from codex_lsp.lsp.edits.waiting import Waiting, WaitingRegistry


class NothingWaits(Exception):
    pass


@dataclass
class Question(Waiting[str]):
    text: str


def _registry(order: itertools.count[int] | None = None) -> WaitingRegistry[Question, str]:
    shared = order or itertools.count(1)
    return WaitingRegistry("question", "question", NothingWaits, lambda: next(shared))


def _ask(registry: WaitingRegistry[Question, str], text: str) -> Question:
    return registry.open(lambda id, order, decided: Question(id, order, decided, text))


async def test_a_decision_ends_the_wait_and_the_item_is_gone() -> None:
    registry = _registry()
    question = _ask(registry, "tabs?")
    waiting = asyncio.create_task(registry.until_decided(question, 60, lambda: "timed out"))
    await asyncio.sleep(0)

    decided = registry.decide(None, "spaces")

    assert decided is question and await waiting == "spaces"
    assert registry.oldest_first() == [] and registry.latest() is None


async def test_no_decision_in_time_gives_the_kinds_own_answer() -> None:
    registry = _registry()
    question = _ask(registry, "tabs?")

    answer = await registry.until_decided(question, 0.01, lambda: "no answer: spaces")

    assert answer == "no answer: spaces"
    with pytest.raises(NothingWaits, match="'question-1' is not waiting"):
        registry.decide("question-1", "tabs")


async def test_cancelling_the_turn_withdraws_the_item() -> None:
    registry = _registry()
    question = _ask(registry, "tabs?")
    waiting = asyncio.create_task(registry.until_decided(question, 60, lambda: "timed out"))
    await asyncio.sleep(0)

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting

    assert registry.oldest_first() == []


async def test_ids_count_per_kind_and_the_order_is_shared_between_kinds() -> None:
    order = itertools.count(1)
    questions, others = _registry(order), WaitingRegistry[Question, str](
        "other", "other", NothingWaits, lambda: next(order)
    )
    first = _ask(questions, "a")
    other = others.open(lambda id, n, decided: Question(id, n, decided, "b"))
    second = _ask(questions, "c")

    assert [(q.id, q.order) for q in (first, other, second)] == [
        ("question-1", 1), ("other-1", 2), ("question-2", 3)
    ]
    assert questions.get(None) is second and questions.get("question-1") is first
    assert questions.newest_first() == [second, first]
    assert questions.oldest_first() == [first, second]


async def test_asking_when_nothing_waits_says_so() -> None:
    with pytest.raises(NothingWaits, match=r"^No question is waiting for a decision\.$"):
        _registry().get(None)
