"""`request_user_input`: Codex 0.169's schema, question parsing, the answers JSON and the
notes for questions left open, and the message an editor shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.lsp.features.ask_user import form_params, question_text
from codex_lsp.tools.base import ToolFailure
from codex_lsp.tools.user_input import (
    DESCRIPTION,
    PARAMETERS,
    FormAnswers,
    UserAnswer,
    answers_output,
    codex_answers,
    form_output,
    parse_questions,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "codex-0.169-tools.json"
QUESTION = {
    "id": "db",
    "header": "Database",
    "question": "Which one?",
    "options": [{"label": "Postgres", "description": "Like prod."}, {"label": "SQLite"}, {"x": 1}],
}


def test_schema_is_codex_s() -> None:
    recorded = json.loads(FIXTURE.read_text())["gpt-5.5"]
    (tool,) = [t for t in recorded if t.get("name") == "request_user_input"]
    assert (tool["description"], tool["parameters"]) == (DESCRIPTION, PARAMETERS)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({}, "non-empty array"),
        ({"questions": []}, "non-empty array"),
        ({"questions": [QUESTION] * 4}, "at most 3"),
        ({"questions": [{"options": []}]}, "question 1 needs a 'question'"),
        ({"questions": [QUESTION, {"question": "q"}]}, "question 2 needs an 'options'"),
    ],
)
def test_bad_calls_fail_with_a_fix(args: dict[str, Any], error: str) -> None:
    with pytest.raises(ToolFailure, match=error):
        parse_questions("t", args)


def test_questions_keep_their_valid_options_and_show_them() -> None:
    (q,) = parse_questions("t", {"questions": [QUESTION]})
    assert [o.label for o in q.options] == ["Postgres", "SQLite"]
    assert question_text(q) == "Codex asks (Database): Which one?\n• Postgres: Like prod.\n• SQLite"


def test_answers_json_and_notes() -> None:
    qs = parse_questions("t", {"questions": [QUESTION, {**QUESTION, "id": "b", "question": "B?"}]})
    both = answers_output(
        qs, [UserAnswer("answered", "SQLite"), UserAnswer("answered", "Postgres")]
    )
    assert json.loads(both) == {
        "answers": {"db": {"answers": ["SQLite"]}, "b": {"answers": ["Postgres"]}}
    }
    dismissed = answers_output(qs, [UserAnswer("answered", "SQLite"), UserAnswer("dismissed")])
    assert dismissed.endswith("The user dismissed 'B?' without answering.")
    unavailable = answers_output(qs[:1], [UserAnswer("unavailable")])
    assert unavailable.startswith('{"answers": {}}\n') and "could not be asked" in unavailable


def test_typed_text_goes_to_the_model_as_codex_sends_it() -> None:
    (q,) = parse_questions("t", {"questions": [QUESTION]})
    assert codex_answers(q, ("Postgres", " my own db ", "", "user_note: kept")) == [
        "Postgres",
        "user_note: my own db",
        "user_note: kept",
    ]
    (free,) = parse_questions("t", {"questions": [{**QUESTION, "options": []}]})
    assert codex_answers(free, ("just text",)) == ["just text"]


def test_a_form_answers_every_question_given_or_is_dismissed() -> None:
    qs = parse_questions("t", {"questions": [QUESTION, {**QUESTION, "id": "b", "question": "B?"}]})
    answered = form_output(qs, FormAnswers({"db": ("SQLite",), "b": ("call it api",)}))
    assert json.loads(answered) == {
        "answers": {"db": {"answers": ["SQLite"]}, "b": {"answers": ["user_note: call it api"]}}
    }
    partial = form_output(qs, FormAnswers({"b": ("Postgres",), "unknown": ("x",)}))
    assert json.loads(partial) == {"answers": {"b": {"answers": ["Postgres"]}}}
    dismissed = form_output(qs, FormAnswers(None))
    assert dismissed == '{"answers": {}}\nThe user dismissed the questions without answering.'


def test_the_request_carries_the_questions_as_the_model_wrote_them() -> None:
    (q,) = parse_questions("thread-1", {"questions": [QUESTION]})
    assert form_params("thread-1", "call-9", [q]) == {
        "threadId": "thread-1",
        "callId": "call-9",
        "questions": [
            {
                "id": "db",
                "header": "Database",
                "question": "Which one?",
                "options": [
                    {"label": "Postgres", "description": "Like prod."},
                    {"label": "SQLite", "description": ""},
                ],
            }
        ],
    }
