"""One ChatGPT sign-in shared with the real Codex CLI 0.169, in every order.

`codex exec` (theirs) and `codex-lsp exec` (ours) share one CODEX_HOME and the
same scripted endpoints (the authority with one-use rotating refresh tokens,
the ChatGPT backend behind its access tokens) inside a network namespace. Each
round starts from an expired access token, so somebody must refresh; the
authority counts the refreshes. Whatever the order, both must answer, and no
side may ever report a sign-out while a valid token is stored.
"""

from __future__ import annotations

import pytest

from tests.peer.conftest import REPLY, Peers
from tests.support.codex_peer import PeerRun, started

pytestmark = pytest.mark.peer
SIGN_OUT_WORDS = ("sign in again", "log out and sign in", "not signed in")


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
