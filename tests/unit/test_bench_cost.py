"""The bench's cost figures: sizes, tokens per turn, and the unchanged prefix share."""

from __future__ import annotations

from bench.cost import cost_figures, prompt_text, shared_prefix


def test_a_growing_history_is_an_unchanged_prefix_and_an_edited_start_is_not() -> None:
    first = {"tools": [], "instructions": "I", "input": [{"t": "a" * 96}]}
    grown = {**first, "input": [*first["input"], {"t": "b" * 96}]}
    figures = cost_figures([first, grown])
    assert figures["cost_first_turn_tokens"] > 0
    assert 40 < figures["cost_prefix_pct"] < 60  # half of the second prompt is the first one
    edited = {**grown, "instructions": "J"}
    assert cost_figures([first, edited])["cost_prefix_pct"] < 5
    assert shared_prefix("abc", "abd") == 2 and prompt_text({}) == "[]\n\"\""
