"""The wire-parity diff itself: what counts as a difference, and how the doc's table is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.wire_diff import REPO_DOC, diff, documented


def request(headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return {"headers": headers, "body": body}


def test_ids_are_ignored_but_names_settings_and_shapes_are_not() -> None:
    dev = {"type": "message", "role": "developer", "content": [{"type": "input_text"}]}
    user = {"type": "message", "role": "user", "content": [{"type": "input_text"}]}
    ours = request(
        {"Host": "a", "session-id": "1", "originator": "x", "accept-encoding": "gzip"},
        {"prompt_cache_key": "1", "stream": True, "input": [dev, user], "tools": [{"name": "t"}]},
    )
    codex = request(
        {"host": "b", "session-id": "2", "originator": "y"},
        {"prompt_cache_key": "2", "stream": False, "input": [user], "tools": [{"name": "t"}]},
    )
    keys = {row.key: (row.ours, row.codex) for row in diff(ours, codex)}
    assert keys == {
        "header accept-encoding": ("sent", "—"),
        "value header originator": ("x", "y"),
        "value stream": ("true", "false"),
        "input[0]": ("message/developer[input_text]", "message/user[input_text]"),
        "input[1]": ("message/user[input_text]", "—"),
    }


def test_documented_rows_expand_both(tmp_path: Path) -> None:
    doc = tmp_path / "d.md"
    doc.write_text(
        "| `x` | both | a | b | c |\n<!-- wire-diff:start -->\n| Row | Modes |\n"
        "| `header a` | both | sent | — | r |\n| `tools` | chatgpt | x | y | r |\n"
        "<!-- wire-diff:end -->\n"
    )
    assert documented(doc) == {"header a": {"api-key", "chatgpt"}, "tools": {"chatgpt"}}


def test_the_project_doc_parses() -> None:
    rows = documented(REPO_DOC)
    assert "tools" in rows and all(rows.values())
