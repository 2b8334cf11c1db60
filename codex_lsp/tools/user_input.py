# ruff: noqa: E501  (descriptions are Codex's text, kept verbatim)
"""`request_user_input`: the model asks the user up to three questions mid-turn.

Same name, description and schema as Codex 0.169 (tests/fixtures/codex-0.169-tools.json).
Each question has 2-3 options; Codex's clients add a free-form "Other". The host
asks all of them at once where the editor has an inline question UI (`FormAsker`:
our plugins' `codex/requestUserInput`, where the user may also type an answer), else
one at a time (`UserAsker`): an LSP editor gets a `window/showMessageRequest` whose
buttons are the options plus "Answer in chat…" (a message request cannot take typed
text: the user then answers in their next prompt). The answers go back as Codex
returns them: `{"answers": {"<id>": {"answers": ["<label>", "user_note: <typed>"]}}}`.
A host that cannot ask (no message requests, `codex-lsp exec`) gets a plain note
telling the model so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from codex_lsp.tools.base import ToolContext, ToolFailure

DESCRIPTION = "Request user input for one to three short questions and wait for the response. This tool is only available in Plan mode."
PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "questions": {
            "type": "array",
            "description": "Questions to show the user. Prefer 1 and do not exceed 3",
            "items": {
                "type": "object",
                "properties": {
                    "header": {
                        "type": "string",
                        "description": "Short header label shown in the UI (12 or fewer chars).",
                    },
                    "id": {
                        "type": "string",
                        "description": "Stable identifier for mapping answers (snake_case).",
                    },
                    "options": {
                        "type": "array",
                        "description": 'Provide 2-3 mutually exclusive choices. Put the recommended option first and suffix its label with "(Recommended)". Do not include an "Other" option in this list; the client will add a free-form "Other" option automatically.',
                        "items": {
                            "type": "object",
                            "properties": {
                                "description": {
                                    "type": "string",
                                    "description": "One short sentence explaining impact/tradeoff if selected.",
                                },
                                "label": {
                                    "type": "string",
                                    "description": "User-facing label (1-5 words).",
                                },
                            },
                            "required": ["label", "description"],
                            "additionalProperties": False,
                        },
                    },
                    "question": {
                        "type": "string",
                        "description": "Single-sentence prompt shown to the user.",
                    },
                },
                "required": ["id", "header", "question", "options"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["questions"],
    "additionalProperties": False,
}
MAX_QUESTIONS = 3


@dataclass(frozen=True)
class QuestionOption:
    """One choice: a short label and what picking it means."""

    label: str
    description: str


@dataclass(frozen=True)
class UserQuestion:
    """One question of a `request_user_input` call."""

    thread_id: str
    id: str
    header: str
    question: str
    options: tuple[QuestionOption, ...]


@dataclass(frozen=True)
class UserAnswer:
    """What came of asking: a chosen label, "in chat", dismissed, or not askable here."""

    status: Literal["answered", "in_chat", "dismissed", "unavailable"]
    label: str | None = None


@runtime_checkable
class UserAsker(Protocol):
    """A host that can put a question to the user (the LSP host can; `exec` cannot)."""

    async def ask_user(self, question: UserQuestion) -> UserAnswer:
        """Ask one question; never raises for a user who does not answer."""
        ...


@dataclass(frozen=True)
class FormAnswers:
    """A whole call's answers by question id (as the user gave them), or None: dismissed."""

    answers: dict[str, tuple[str, ...]] | None


@runtime_checkable
class FormAsker(Protocol):
    """A host whose editor may show all of a call's questions inline at once."""

    async def ask_user_form(self, call_id: str, questions: list[UserQuestion]) -> FormAnswers | None:
        """The user's answers; None when this editor has no such UI (ask one at a time)."""
        ...


NOTE_PREFIX = "user_note: "
"""How Codex's clients send typed text to a question that has options."""


def codex_answers(question: UserQuestion, given: tuple[str, ...]) -> list[str]:
    """The answers as Codex sends them: labels as is, typed text as a `user_note: `.

    A question without options takes typed text as typed.
    """
    labels = {o.label for o in question.options}
    sent: list[str] = []
    for text in (g.strip() for g in given):
        if not text:
            continue
        plain = text in labels or text.startswith(NOTE_PREFIX) or not labels
        sent.append(text if plain else NOTE_PREFIX + text)
    return sent


def form_output(questions: list[UserQuestion], form: FormAnswers) -> str:
    """The call's output from a whole form: Codex's answers JSON (note when dismissed)."""
    if form.answers is None:
        return json.dumps({"answers": {}}) + "\nThe user dismissed the questions without answering."
    chosen = {
        q.id: {"answers": codex_answers(q, form.answers[q.id])}
        for q in questions
        if q.id in form.answers
    }
    return json.dumps({"answers": chosen})


def parse_questions(thread_id: str, args: dict[str, Any]) -> list[UserQuestion]:
    """The call's questions, or a failure the model can correct."""
    raw = args.get("questions")
    if not isinstance(raw, list) or not raw:
        raise ToolFailure("'questions' must be a non-empty array")
    if len(raw) > MAX_QUESTIONS:
        raise ToolFailure(f"ask at most {MAX_QUESTIONS} questions at a time")
    return [_question(thread_id, n, q) for n, q in enumerate(raw)]


def _question(thread_id: str, index: int, raw: Any) -> UserQuestion:
    if not isinstance(raw, dict) or not isinstance(raw.get("question"), str):
        raise ToolFailure(f"question {index + 1} needs a 'question' string")
    options = raw.get("options")
    if not isinstance(options, list):
        raise ToolFailure(f"question {index + 1} needs an 'options' array")
    parsed = tuple(
        QuestionOption(str(o["label"]), str(o.get("description", "")))
        for o in options
        if isinstance(o, dict) and isinstance(o.get("label"), str) and o["label"].strip()
    )
    return UserQuestion(
        thread_id,
        str(raw.get("id") or f"question_{index + 1}"),
        str(raw.get("header") or ""),
        raw["question"],
        parsed,
    )


def answers_output(questions: list[UserQuestion], answers: list[UserAnswer]) -> str:
    """The call's output: Codex's answers JSON, then a note for questions left open."""
    chosen = {
        q.id: {"answers": [a.label]}
        for q, a in zip(questions, answers, strict=False)
        if a.status == "answered" and a.label is not None
    }
    text = json.dumps({"answers": chosen})
    last = answers[-1] if answers else None
    if last is None or last.status == "answered":
        return text
    question = questions[len(answers) - 1].question
    note = {
        "in_chat": f"The user chose to answer {question!r} in the chat: end your turn "
        "and ask it there.",
        "dismissed": f"The user dismissed {question!r} without answering.",
        "unavailable": "The user could not be asked: this editor cannot show questions. "
        "Go on with the recommended option, or ask in your answer.",
    }[last.status]
    return f"{text}\n{note}"


class RequestUserInputTool:
    """Asks the user the model's questions, one at a time, through the host."""

    name = "request_user_input"
    description = DESCRIPTION
    parameters = PARAMETERS

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        questions = parse_questions(ctx.thread_id, args)
        host = ctx.host
        if isinstance(host, FormAsker):
            form = await host.ask_user_form(ctx.call_id, questions)
            if form is not None:
                return form_output(questions, form)
        answers: list[UserAnswer] = []
        for question in questions:
            answer = (
                await host.ask_user(question)
                if isinstance(host, UserAsker)
                else UserAnswer("unavailable")
            )
            answers.append(answer)
            if answer.status != "answered":
                break
        return answers_output(questions, answers)
