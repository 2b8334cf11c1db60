"""Put the model's `request_user_input` questions to the user in an LSP editor.

A client announcing `experimental.codexUserInput` (our plugins) gets the whole call
as one `codex/requestUserInput` request and shows it inline, where the user may also
type an answer (`ask_form`); one that answers it with an error is not sent it again
and gets the path below. Every other client gets one `window/showMessageRequest` per
question: the message is the question with each option's description, the buttons
are the option labels plus "Answer in chat…" (a message request cannot take typed
text, so a free-form answer goes in the user's next prompt). A client that answers
that request with an error (MethodNotFound; remembered for the session by
`message_prompt`) gets the question as a `window/showMessage` and the model hears
that the user could not be asked. No answer within `approval_timeout_sec` counts as
dismissed. When the server stops waiting for an inline answer (no answer in time, the
turn cancelled or ended) it withdraws the request with `$/cancelRequest` and says so in
a `questionWithdrawn` event, which Neovim can map to its prompt (its handlers are not
given request ids).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from pygls.exceptions import JsonRpcException

from codex_lsp import wire
from codex_lsp.lsp.rpc.jsonrpc import RequestAbandoned
from codex_lsp.lsp.session import message_prompt
from codex_lsp.lsp.session.client import Client
from codex_lsp.tools.user_input import FormAnswers, UserAnswer, UserQuestion
from codex_lsp.wire import USER_INPUT_REQUEST

log = logging.getLogger(__name__)

ANSWER_IN_CHAT = "Answer in chat…"
"""The last button of every question: the user answers in their next prompt instead."""


def question_text(question: UserQuestion) -> str:
    """The message shown: header, question, and what each option means."""
    head = f"Codex asks ({question.header}): " if question.header else "Codex asks: "
    lines = [head + question.question]
    lines += [
        f"• {o.label}: {o.description}" if o.description else f"• {o.label}"
        for o in question.options
    ]
    return "\n".join(lines)


async def ask_question(client: Client, question: UserQuestion, timeout: float) -> UserAnswer:
    """Ask one question; never raises for an editor or a user that does not answer."""
    message = question_text(question)
    labels = [o.label for o in question.options]
    try:
        title = await message_prompt.ask(client, message, [*labels, ANSWER_IN_CHAT], timeout)
    except RequestAbandoned:
        return UserAnswer("dismissed")
    except message_prompt.NoPrompt:
        client.show_message(message + "\n(This editor cannot show questions; Codex goes on.)")
        return UserAnswer("unavailable")
    if title == ANSWER_IN_CHAT:
        return UserAnswer("in_chat")
    if title is not None:
        return UserAnswer("answered", title)
    return UserAnswer("dismissed")


def form_params(thread_id: str, call_id: str, questions: list[UserQuestion]) -> dict[str, Any]:
    """The `codex/requestUserInput` params: the call's questions as the model wrote them."""
    return {
        "threadId": thread_id,
        "callId": call_id,
        "questions": [
            {
                "id": q.id,
                "header": q.header,
                "question": q.question,
                "options": [{"label": o.label, "description": o.description} for o in q.options],
            }
            for q in questions
        ],
    }


async def ask_form(
    client: Client, call_id: str, questions: list[UserQuestion], timeout: float
) -> FormAnswers | None:
    """All questions inline; None when the client has no such UI (ask one at a time)."""
    if not client.caps.codex_user_input or USER_INPUT_REQUEST in client.refused:
        return None
    params = form_params(questions[0].thread_id, call_id, questions)
    try:
        result = await client.request(USER_INPUT_REQUEST, params, timeout=timeout)
    except RequestAbandoned:
        _withdrawn(client, params, "timeout")
        return FormAnswers(None)
    except asyncio.CancelledError:
        _withdrawn(client, params, "cancelled")
        raise
    except JsonRpcException as exc:
        client.refused.add(USER_INPUT_REQUEST)
        log.info("the client refused %s (%s): message requests instead", USER_INPUT_REQUEST, exc)
        return None
    return FormAnswers(_answers_in(result))


def _withdrawn(
    client: Client, params: dict[str, Any], reason: Literal["timeout", "cancelled"]
) -> None:
    """Tell chat-style clients the questions are no longer waited on."""
    client.send_event(
        {
            "type": wire.QUESTION_WITHDRAWN_EVENT,
            "threadId": params["threadId"],
            "callId": params["callId"],
            "reason": reason,
        }
    )


def _answers_in(result: Any) -> dict[str, tuple[str, ...]] | None:
    """`{answers: {id: {answers: [str]}}}` as given; anything else counts as dismissed."""
    answers = result.get("answers") if isinstance(result, dict) else None
    if not isinstance(answers, dict):
        if result is not None:
            log.warning("%s: an answer without 'answers' counts as dismissed", USER_INPUT_REQUEST)
        return None
    return {
        str(qid): tuple(str(a) for a in entry["answers"] if isinstance(a, str))
        for qid, entry in answers.items()
        if isinstance(entry, dict) and isinstance(entry.get("answers"), list)
    }
