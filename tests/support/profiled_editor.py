"""A scripted editor that announces exactly what a real editor announces.

`ProfiledEditor` sends a `ClientProfile`'s `initialize` params byte for byte (no round
trip through lsprotocol, which would drop fields it does not know) and answers the
server's requests as that editor does: a method the editor lacks gets MethodNotFound
(or a null result), everything else goes to `Editor`'s handlers.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from lsprotocol import converters, types

from tests.support.clients import ClientProfile
from tests.support.lsp_client import REPO, Editor, to_json

SERVER_REQUESTS = (
    "window/showMessageRequest",
    "window/showDocument",
    "window/workDoneProgress/create",
    "workspace/applyEdit",
    "codex/approveEdit",
    "codex/approveCommand",
)
"""Server->client requests `Editor` answers; a profile may decline each."""


class ProfiledEditor(Editor):
    """`Editor` wearing a real editor's capabilities and manners."""

    def __init__(self, workspace: Any, env: dict[str, str], profile: ClientProfile) -> None:
        super().__init__(workspace, env)
        self.profile = profile
        self.declined: list[str] = []
        """Methods the server asked for that this editor declined (in order)."""
        self._decline_what_the_editor_lacks()

    def _decline_what_the_editor_lacks(self) -> None:
        features = self.client.protocol.fm.features
        for method in SERVER_REQUESTS:
            answer = self.profile.answer(method)
            if answer == "answers":
                continue
            features[method] = self._decliner(method, answer)

    def _decliner(self, method: str, answer: str) -> Any:
        from pygls.exceptions import JsonRpcMethodNotFound

        def decline(params: Any) -> None:
            self.declined.append(method)
            if answer == "methodNotFound":
                raise JsonRpcMethodNotFound.of(method)
            return None

        return decline

    async def start_as_editor(self) -> dict[str, Any]:
        """Start the server and send the profile's `initialize`, then `initialized`."""
        env = {**os.environ, **self.env}
        if "OPENAI_API_KEY" not in self.env:
            env.pop("OPENAI_API_KEY", None)
        await self.client.start_io(
            sys.executable, "-m", "codex_lsp", *self.server_args, env=env, cwd=str(REPO)
        )
        params = self.profile.initialize_params()
        params.setdefault("processId", os.getpid())
        params["rootUri"] = self.workspace.as_uri()
        params["rootPath"] = str(self.workspace)
        params["workspaceFolders"] = [{"uri": self.workspace.as_uri(), "name": self.workspace.name}]
        self.client.capabilities = _for_spec_checks(params["capabilities"])
        protocol = self.client.protocol
        typed = protocol.get_message_type
        # A plain JSON-RPC request: pygls would otherwise wrap the params in lsprotocol's
        # InitializeRequest, which needs them structured (and drops unknown fields).
        protocol.get_message_type = lambda method: None if method == "initialize" else typed(method)  # type: ignore[method-assign]
        result = await self.client.protocol.send_request_async("initialize", params)
        self.client.initialized(types.InitializedParams())
        return dict(to_json(result))


def _for_spec_checks(caps: dict[str, Any]) -> types.ClientCapabilities:
    """pytest-lsp checks server messages against lsprotocol capabilities; unknown
    fields are dropped here only (the server gets the raw JSON)."""
    try:
        structured: types.ClientCapabilities = converters.get_converter().structure(
            caps, types.ClientCapabilities
        )
    except Exception:  # a value lsprotocol does not know: skip pytest-lsp's checks
        return types.ClientCapabilities()
    return structured
