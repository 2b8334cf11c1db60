# ruff: noqa: E501  (descriptions are Codex's text, kept verbatim)
"""`request_user_input`: the model asks the user up to three questions mid-turn.

Same name, description and schema as Codex 0.169 (tests/fixtures/codex-0.169-tools.json).
Each question has 2-3 options; Codex's clients add a free-form "Other". The host
asks one question at a time (`UserAsker`); an LSP editor gets a
`window/showMessageRequest` whose buttons are the options plus "Answer in chat…"
(a message request cannot take typed text: the user then answers in their next
prompt). The answers go back as Codex returns them:
`{"answers": {"<id>": {"answers": ["<label>"]}}}`. A host that cannot ask (no
message requests, `codex-lsp exec`) gets a plain note telling the model so.
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
