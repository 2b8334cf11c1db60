"""The bench's inline completion section: its keystroke script, its config and its arithmetic."""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

from bench.inline import _latencies, inline_config, keystrokes


def test_keystrokes_are_reproducible_with_human_gaps() -> None:
    keys = keystrokes(200, seed=1)
    assert len(keys) == 200 and keys == keystrokes(200, seed=1) and keys != keystrokes(200, seed=2)
    gaps = [gap for _, gap in keys]
    assert all(0.03 <= g <= 0.6 for g in gaps)
    assert sum(g < 0.075 for g in gaps) > 20  # some keys come faster than the 75 ms debounce
    after_newline = [keys[i + 1][1] for i, (ch, _) in enumerate(keys[:-1]) if ch == "\n"]
    assert after_newline and set(after_newline) == {0.6}


def test_inline_config_turns_on_a_fim_provider() -> None:
    section = tomllib.loads(inline_config(75))["inline_completion"]
    assert section == {"enabled": True, "provider": "scripted", "model": "fim-bench",
                       "debounce_ms": 75}


def test_latencies_subtract_the_model_and_pair_with_the_direct_call() -> None:
    stamps = [(0.0, 0.010), (1.0, 1.006)]  # completion 10 ms, direct call 6 ms
    recorded = [SimpleNamespace(received_at=0.002, answered_at=0.005),  # model: 3 ms
                SimpleNamespace(received_at=1.001, answered_at=1.003)]  # model: 2 ms
    figures = _latencies(stamps, recorded)
    assert {k: [round(v, 6) for v in vs] for k, vs in figures.items()} == {
        "inline_rt": [10.0], "inline_server": [7.0], "inline_direct": [4.0], "inline_layer": [3.0]
    }
