"""A scripted ChatGPT backend on 127.0.0.1: the model server behind the authority's tokens.

An access-token check in front of the model server (401 for an unknown or expired token or a wrong ``ChatGPT-Account-ID``), which also hands out
``x-codex-turn-state`` and records every request's headers. For the real Codex CLI it
also answers what Codex 0.169 asks first: ``GET wham/accounts/check`` (its account,
routed to another origin so the configured model URL is used), ``426`` to the WebSocket
``GET …/responses`` (Codex then stays on HTTPS), ``404`` to ``codex/models``; and it
decodes ``content-encoding: zstd`` bodies.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .chatgpt_auth import ACCOUNT_ID, ScriptedAuthority
from .model_server import ScriptedModelServer, _Handler


def accounts_check() -> dict[str, Any]:
    """`GET wham/accounts/check`: Codex routes its model requests by the entry of its account."""
    entry = {
        "id": ACCOUNT_ID,
        "workspace_backend_origin": "https://chatgpt.invalid",
        "account_routing_override": "NO_CONSTRAINT",
    }
    return {"accounts": [entry], "account_ordering": [ACCOUNT_ID]}


class _BackendHandler(_Handler):
    def _dispatch(self) -> None:
        backend: ChatGPTBackend = self.server.owner  # type: ignore[assignment]
        path = urlsplit(self.path).path
        if self.command == "GET" and path.endswith("/codex/models"):
            self._send_json(404, {"error": {"message": "not found"}})
            return
        if self.command == "GET" and path.endswith("/responses"):
            self.close_connection = True  # a WebSocket upgrade: stay on HTTPS, as OpenAI's does
            self._send_json(426, {"error": {"message": "Upgrade Required"}})
            return
        checked = path.endswith(("/responses", "/wham/accounts/check"))
        if not path.startswith("/_") and checked:
            headers = {k.lower(): v for k, v in self.headers.items()}
            backend.seen.append(headers)
            token = headers.get("authorization", "").partition(" ")[2]
            account = headers.get("chatgpt-account-id")
            if not backend.authority.valid_access(token) or account != ACCOUNT_ID:
                backend.unauthorized += 1
                self._read_body()
                self.close_connection = True
                body = {"error": {"message": "Unauthorized", "code": "token_expired"}}
                self._send_json(401, body)
                return
            if path.endswith("/wham/accounts/check"):
                self._send_json(200, accounts_check())
                return
        super()._dispatch()

    def _start_stream(self, request_id: str, extra: dict[str, str] | None = None) -> None:
        state = self.headers.get("x-codex-turn-state")
        backend: ChatGPTBackend = self.server.owner  # type: ignore[assignment]
        if state is None:
            backend.states_issued += 1
            state = f"ts-{backend.states_issued}"
        super()._start_stream(request_id, {**(extra or {}), "x-codex-turn-state": state})


class ChatGPTBackend(ScriptedModelServer):
    """The scripted model server behind the authority's access tokens (see module docstring)."""

    handler_class = _BackendHandler

    def __init__(self, authority: ScriptedAuthority) -> None:
        super().__init__()
        self.authority = authority
        self.seen: list[dict[str, str]] = []
        self.states_issued = 0
        self.unauthorized = 0
        """Requests answered 401 (a token the authority never issued, or an expired one)."""

    @property
    def codex_url(self) -> str:
        """What `openai_base_url` points at: the backend's `/backend-api/codex`."""
        return f"{self.url}/backend-api/codex"
