"""One ChatGPT sign-in shared with the real Codex CLI 0.169, in every order.

`codex exec` (theirs) and `codex-lsp exec` (ours) share one CODEX_HOME and the
same scripted endpoints (the authority with one-use rotating refresh tokens,
the ChatGPT backend behind its access tokens) inside a network namespace. Each
round starts from an expired access token, so somebody must refresh; the
authority counts the refreshes. Whatever the order, both must answer, and no
side may ever report a sign-out while a valid token is stored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.chatgpt_auth import ChatGPTBackend, ScriptedAuthority, codex_auth_json
from tests.support.codex_peer import (
    CODEX_VERSION,
    Netns,
    PeerProcess,
    PeerRun,
    base_env,
    codex_binary,
    codex_exec_argv,
    lsp_exec_argv,
    netns_problem,
    started,
)

pytestmark = pytest.mark.peer
REPLY = "hello from the scripted model"
SIGN_OUT_WORDS = ("sign in again", "log out and sign in", "not signed in")


@dataclass
class Peers:
    ns: Netns
    authority: ScriptedAuthority
    backend: ChatGPTBackend
    home: Path
    workspace: Path
    binary: Path

    def expire(self) -> dict[str, str]:
        """A fresh round: an auth.json (as Codex writes it) whose access token has expired."""
        tokens = self.authority.issue(access_exp=time.time() - 30)
        (self.home / "auth.json").write_text(json.dumps(codex_auth_json(tokens), indent=2))
        return tokens

    def env(self) -> dict[str, str]:
        return base_env(
            self.home,
            {"CODEX_REFRESH_TOKEN_URL_OVERRIDE": f"{self.authority.url}/oauth/token"},
        )

    def theirs(self) -> PeerProcess:
        # chatgpt_base_url on another origin than the model URL (localhost vs 127.0.0.1)
        chatgpt = f'chatgpt_base_url="http://localhost:{self.backend.port}/backend-api/"'
        argv = codex_exec_argv(self.binary, "say hi", [chatgpt])
        return PeerProcess(self.ns, "codex", argv, self.env(), self.workspace)

    def ours(self) -> PeerProcess:
        return PeerProcess(self.ns, "codex-lsp", lsp_exec_argv("say hi"), self.env(), self.workspace)

    def stored(self) -> dict[str, str]:
        return dict(json.loads((self.home / "auth.json").read_text())["tokens"])


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
    home.mkdir(parents=True)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    with Netns() as ns:
        authority = ns.start_in(lambda: ScriptedAuthority().__enter__())
        backend = ns.start_in(lambda: ChatGPTBackend(authority).start())
        try:
            backend.set_default(REPLY)
            (home / "config.toml").write_text(
                f'model = "gpt-5.5"\nopenai_base_url = "{backend.codex_url}"\n'
            )
            yield Peers(ns, authority, backend, home, workspace, binary)
        finally:
            backend.stop()
            authority.__exit__(None, None, None)


def assert_answered(run: PeerRun) -> None:
    assert run.returncode == 0, run.describe()
    assert REPLY in run.stdout, run.describe()
    text = (run.stdout + run.stderr).lower()
    assert not any(words in text for words in SIGN_OUT_WORDS), run.describe()


def assert_sign_in_still_good(peers: Peers) -> None:
    """The stored tokens are the live ones: the next refresh (by either side) will work."""
    stored = peers.stored()
    assert peers.authority.valid_access(stored["access_token"])
    assert stored["refresh_token"] in peers.authority.state.live_refresh


def refreshes(peers: Peers) -> int:
    return len(peers.authority.refreshes())


@pytest.mark.parametrize("order", ["ours then theirs", "theirs then ours"])
def test_one_after_the_other_refreshes_once_and_the_second_reuses_it(
    peers: Peers, order: str
) -> None:
    peers.expire()
    first, second = (peers.ours, peers.theirs) if order == "ours then theirs" else (
        peers.theirs, peers.ours
    )
    assert_answered(first().wait())
    assert refreshes(peers) == 1
    fresh = peers.stored()["access_token"]
    assert_answered(second().wait())
    assert refreshes(peers) == 1  # the second side used the first side's refresh
    assert peers.stored()["access_token"] == fresh
    assert peers.backend.seen[-1]["authorization"] == f"Bearer {fresh}"
    assert_sign_in_still_good(peers)
    print(f"FIGURES peer-sign-in {order}: refreshes=1 unauthorized={peers.backend.unauthorized}")


def is_ours(user_agent: str) -> bool:
    """Our refresh (its User-Agent names codex-lsp, or is httpx's default); Codex's starts codex_."""
    agent = user_agent.lower()
    return "codex-lsp" in agent or "codex_lsp" in agent or agent.startswith("python-httpx")


def test_both_at_once_unsteered_never_sign_out(peers: Peers) -> None:
    """Started together with no gate: whoever refreshes first, both answer."""
    peers.expire()
    with started([peers.theirs(), peers.ours()]) as procs:
        runs = [p.wait() for p in procs]
    for run in runs:
        assert_answered(run)
    assert 1 <= refreshes(peers) <= 2
    assert_sign_in_still_good(peers)
    print(f"FIGURES peer-sign-in both at once, unsteered: refreshes={refreshes(peers)}")


@pytest.mark.parametrize("winner", ["codex", "codex-lsp"])
def test_both_at_once_never_sign_out(peers: Peers, winner: str) -> None:
    """Both refresh with the same token; the gate makes the race real and picks who wins."""
    spent = peers.expire()["refresh_token"]
    wins = is_ours if winner == "codex-lsp" else (lambda agent: not is_ours(agent))
    peers.authority.gate.arm(2, first=wins)
    with started([peers.theirs(), peers.ours()]) as procs:
        runs = [p.wait() for p in procs]
    for run in runs:
        assert_answered(run)
    sent = peers.authority.refreshes()
    assert [r.body["refresh_token"] for r in sent] == [spent, spent]  # a real race
    assert wins(peers.authority.gate.winners[-1])
    assert_sign_in_still_good(peers)
    print(
        f"FIGURES peer-sign-in both at once, {winner} wins: refreshes={len(sent)} "
        f"backend 401s={peers.backend.unauthorized}"
    )
