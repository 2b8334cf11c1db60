"""The two sides of the peer tests: the real Codex CLI and codex-lsp, offline, one CODEX_HOME."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.chatgpt_auth import ChatGPTBackend, ScriptedAuthority, codex_auth_json
from tests.support.codex_peer import (
    CODEX_VERSION,
    Netns,
    PeerProcess,
    base_env,
    codex_binary,
    codex_exec_argv,
    lsp_argv,
    netns_problem,
    write_auth,
    write_codex_home,
)

REPLY = "hello from the scripted model"


@dataclass
class Peers:
    ns: Netns
    authority: ScriptedAuthority
    backend: ChatGPTBackend
    home: Path
    workspace: Path
    binary: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    """Added to both sides' environment (e.g. a Secret Service's bus)."""

    def expire(self) -> dict[str, str]:
        """A fresh round: an auth.json (as Codex writes it) whose access token has expired."""
        tokens = self.authority.issue(access_exp=time.time() - 30)
        write_auth(self.home, codex_auth_json(tokens))
        return tokens

    def env(self) -> dict[str, str]:
        return base_env(
            self.home,
            {
                "CODEX_REFRESH_TOKEN_URL_OVERRIDE": f"{self.authority.url}/oauth/token",
                "CODEX_LOGIN_ISSUER": self.authority.url,
                **self.extra_env,
            },
        )

    def theirs(self) -> PeerProcess:
        # chatgpt_base_url on another origin than the model URL (localhost vs 127.0.0.1)
        chatgpt = f'chatgpt_base_url="http://localhost:{self.backend.port}/backend-api/"'
        argv = codex_exec_argv(self.binary, "say hi", [chatgpt])
        return PeerProcess(self.ns, "codex", argv, self.env(), self.workspace)

    def ours(self, *args: str) -> PeerProcess:
        """`codex-lsp exec "say hi"`, or `codex-lsp ARGS`."""
        argv = lsp_argv(*(args or ("exec", "say hi")))
        return PeerProcess(self.ns, "codex-lsp", argv, self.env(), self.workspace)

    def stored(self) -> dict[str, str]:
        return dict(json.loads((self.home / "auth.json").read_text())["tokens"])


def start_backend(authority: ScriptedAuthority) -> ChatGPTBackend:
    backend = ChatGPTBackend(authority)
    backend.start()
    return backend


@pytest.fixture
def peers(tmp_path: Path) -> Iterator[Peers]:
    binary = codex_binary()
    if binary is None:
        pytest.skip(
            f"the real Codex CLI {CODEX_VERSION} is not installed in bench/.cache/codex "
            "(run .ci/setup-codex.sh)"
        )
    problem = netns_problem()
    if problem is not None:
        pytest.skip(f"the real Codex CLI runs only offline, in a network namespace: {problem}")
    home = tmp_path / "user" / ".codex"
    workspace = tmp_path / "ws"
    workspace.mkdir()
    with Netns() as ns:
        authority = ns.start_in(lambda: ScriptedAuthority().__enter__())
        backend = ns.start_in(lambda: start_backend(authority))
        try:
            backend.set_default(REPLY)
            write_codex_home(home, {"model": "gpt-5.5", "openai_base_url": backend.codex_url})
            yield Peers(ns, authority, backend, home, workspace, binary)
        finally:
            backend.stop()
            authority.__exit__(None, None, None)


