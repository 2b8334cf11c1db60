"""Put the model's `request_user_input` questions to the user in an LSP editor.

One `window/showMessageRequest` per question: the message is the question with
each option's description, the buttons are the option labels plus "Answer in
chat…" (a message request cannot take typed text, so a free-form answer goes in
the user's next prompt). A client that answers the request with an error
(MethodNotFound; remembered for the session by `message_prompt`) gets the question
as a `window/showMessage` and the model hears that the user could not be asked. No
answer within `approval_timeout_sec` counts as dismissed.
"""

from __future__ import annotations

from codex_lsp.lsp.rpc.jsonrpc import RequestAbandoned
from codex_lsp.lsp.session import message_prompt
from codex_lsp.lsp.session.client import Client
from codex_lsp.tools.user_input import UserAnswer, UserQuestion

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
