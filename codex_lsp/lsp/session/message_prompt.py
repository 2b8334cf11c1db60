"""`window/showMessageRequest`, tried in every client, given up on once it fails.

Many editors answer the request without announcing `window.showMessage`
(Debian's Eglot 1.9, Kate), so the capability does not decide whether we ask.
A client that answers with an error (Helix 25.07: MethodNotFound) has no prompt:
that is remembered for the session (`Client.refused`) and the caller falls back
to something every editor has (a pending change or command, a plain message).
"""

from __future__ import annotations

import logging

from pygls.exceptions import JsonRpcException

from codex_lsp.lsp.session.client import Client

log = logging.getLogger(__name__)

SHOW_MESSAGE_REQUEST = "window/showMessageRequest"


class NoPrompt(Exception):
    """The client shows no `window/showMessageRequest` (it refused one this session)."""


async def ask(
    client: Client, message: str, titles: list[str], timeout: float, kind: int = 3
) -> str | None:
    """The title the user picked; None when dismissed or answered with something not offered.

    Raises `NoPrompt` when the client has no prompt, and `RequestAbandoned`
    when nobody answers within `timeout`.
    """
    if SHOW_MESSAGE_REQUEST in client.refused:
        raise NoPrompt(f"{SHOW_MESSAGE_REQUEST} was refused earlier")
    params = {"type": kind, "message": message, "actions": [{"title": t} for t in titles]}
    try:
        answer = await client.request(SHOW_MESSAGE_REQUEST, params, timeout=timeout)
    except JsonRpcException as exc:
        client.refused.add(SHOW_MESSAGE_REQUEST)
        log.info("the client refused %s (%s): no prompts this session", SHOW_MESSAGE_REQUEST, exc)
        raise NoPrompt(str(exc)) from exc
    title = answer.get("title") if isinstance(answer, dict) else None
    return title if title in titles else None
