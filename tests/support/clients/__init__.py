"""Real editors' `initialize` params as data, and how each answers server requests.

One JSON file per editor (see README.md in this folder): the `InitializeParams` fields
that editor sends by default (`capabilities`, `clientInfo`, `initializationOptions`, ...)
plus `_source` (where they were read), `_server_requests` (per method: `answers`,
`methodNotFound` or `null`; `*` for any other) and `_show_message` (whether a
`window/showMessage` reaches the user). Tests start the real server with exactly these
params, so a capability an editor lacks is lacking in the test too.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

CLIENTS_DIR = Path(__file__).resolve().parent

CLIENT_NAMES = ("helix", "eglot", "eglot-1.9", "kate", "neovim", "vscode", "zed", "sublime")
"""Every editor the matrix covers, in table order (helix.json may be absent)."""

Answer = Literal["answers", "methodNotFound", "null"]

_ANSWERS: dict[str, Answer] = {
    "answers": "answers",
    "handled": "answers",
    "supported": "answers",
    "methodnotfound": "methodNotFound",
    "-32601": "methodNotFound",
    "unsupported": "methodNotFound",
    "null": "null",
}
_PARAM_KEYS = ("capabilities", "clientInfo", "initializationOptions", "locale", "trace", "workDoneToken")


@dataclass(frozen=True)
class ClientProfile:
    """One editor: what it announces at `initialize` and how it answers the server."""

    name: str
    params: dict[str, Any]
    """The `InitializeParams` fields the editor sends (without roots and process id)."""
    server_requests: dict[str, Answer]
    shows_messages: bool
    source: dict[str, Any]

    @property
    def capabilities(self) -> dict[str, Any]:
        caps: dict[str, Any] = self.params.get("capabilities") or {}
        return caps

    @property
    def label(self) -> str:
        return str(self.source.get("editor") or self.name)

    def answer(self, method: str) -> Answer:
        """How the editor answers a server->client request for `method`."""
        return self.server_requests.get(method, self.server_requests.get("*", "methodNotFound"))

    @property
    def prompts(self) -> bool:
        """Does `window/showMessageRequest` reach the user as a prompt with buttons?"""
        return self.answer("window/showMessageRequest") == "answers"

    def initialize_params(self) -> dict[str, Any]:
        """A fresh copy of the params (tests add roots and the process id)."""
        return copy.deepcopy(self.params)


def client_file(name: str) -> Path:
    return CLIENTS_DIR / f"{name}.json"


def load_client(name: str) -> ClientProfile | None:
    """The profile in `<name>.json`, or None when that file is not there."""
    path = client_file(name)
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    body = _initialize_body(raw)
    params = {key: body[key] for key in _PARAM_KEYS if key in body}
    params.setdefault("capabilities", {})
    requests = raw.get("_server_requests")
    return ClientProfile(
        name=name,
        params=params,
        server_requests=_parse_answers(requests) if isinstance(requests, dict) else _derived(params),
        shows_messages=raw.get("_show_message", True) is not False,
        source=raw.get("_source") if isinstance(raw.get("_source"), dict) else {},
    )


def _initialize_body(raw: dict[str, Any]) -> dict[str, Any]:
    """The params object: top level, or nested under `initialize` / `params`."""
    for key in ("initialize", "params"):
        nested = raw.get(key)
        if isinstance(nested, dict) and "capabilities" in nested:
            return nested
    return raw


def _parse_answers(raw: dict[str, Any]) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for method, value in raw.items():
        answer = _ANSWERS.get(str(value).strip().lower())
        if answer is None:
            raise ValueError(f"unknown answer {value!r} for {method}: use answers, methodNotFound or null")
        answers[method] = answer
    return answers


def _derived(params: dict[str, Any]) -> dict[str, Answer]:
    """Without `_server_requests`: assume an editor answers what it announces."""
    caps = params.get("capabilities") or {}
    window = caps.get("window") or {}
    workspace = caps.get("workspace") or {}

    def given(flag: bool) -> Answer:
        return "answers" if flag else "methodNotFound"

    return {
        "window/showMessageRequest": given("showMessage" in window),
        "window/showDocument": given((window.get("showDocument") or {}).get("support") is True),
        "window/workDoneProgress/create": given(window.get("workDoneProgress") is True),
        "workspace/applyEdit": given(workspace.get("applyEdit") is True),
        "*": "methodNotFound",
    }
