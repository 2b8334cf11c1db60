"""`cli_auth_credentials_store = "keyring"` shared with the real Codex CLI on Linux.

A private gnome-keyring Secret Service (tests/support/secret_service.py) serves
both sides. codex-lsp signs in (device code) into the keyring; then each side,
in turn, must read what the other last wrote, including right after the other
refreshed: a refresh is forced by the backend refusing the current access token
(401), which both sides answer by re-reading and refreshing. A side that kept a
private copy (Codex's keyring crate could cache in the kernel keyring) would send
a stale token here.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_lsp.auth.keyring_store import SERVICE, store_account
from tests.peer.conftest import Peers
from tests.peer.test_peer_sign_in import assert_answered
from tests.support.codex_peer import PeerRun, add_setting, base_env
from tests.support.secret_service import SecretService, missing_programs

pytestmark = pytest.mark.peer


@pytest.fixture
def keyring_peers(peers: Peers, tmp_path: Path) -> Iterator[tuple[Peers, SecretService]]:
    missing = missing_programs()
    if missing:
        pytest.skip(
            f"no Secret Service to test against: {', '.join(missing)} not installed "
            "(Debian packages dbus, gnome-keyring, libsecret-tools; .ci/apt-packages-peer.txt)"
        )
    add_setting(peers.home, 'cli_auth_credentials_store = "keyring"')
    with SecretService(tmp_path / "secrets") as service:
        peers.extra_env = service.env()
        yield peers, service


def run(peers: Peers, side: str) -> PeerRun:
    result = (peers.theirs() if side == "codex" else peers.ours()).wait()
    assert not (peers.home / "auth.json").exists(), f"{side} wrote auth.json in keyring mode"
    return result


def stored(peers: Peers, service: SecretService) -> dict[str, str]:
    found = subprocess.run(
        ["secret-tool", "lookup", "service", SERVICE, "username", store_account(peers.home)],
        env={**base_env(peers.home), **service.env()}, capture_output=True, text=True,
    )
    assert found.returncode == 0, found.stderr
    return dict(json.loads(found.stdout)["tokens"])


def sent_by_last_request(peers: Peers) -> str:
    return peers.backend.seen[-1]["authorization"].partition(" ")[2]


def test_keyring_sign_in_is_shared_both_ways_after_refreshes(
    keyring_peers: tuple[Peers, SecretService],
) -> None:
    peers, service = keyring_peers
    peers.authority.approve_device()
    login = peers.ours("login", "--device-auth").wait()
    assert login.returncode == 0, login.describe()
    assert not (peers.home / "auth.json").exists()  # in the keyring, not in a file
    first = stored(peers, service)

    assert_answered(run(peers, "codex"))  # theirs reads ours
    assert sent_by_last_request(peers) == first["access_token"]

    peers.authority.expire_access(first["access_token"])
    assert_answered(run(peers, "codex"))  # theirs refreshes after a 401
    theirs = stored(peers, service)
    assert theirs["refresh_token"] != first["refresh_token"]
    assert len(peers.authority.refreshes()) == 1

    assert_answered(run(peers, "codex-lsp"))  # ours reads theirs, no refresh
    assert sent_by_last_request(peers) == theirs["access_token"]
    assert len(peers.authority.refreshes()) == 1

    peers.authority.expire_access(theirs["access_token"])
    assert_answered(run(peers, "codex-lsp"))  # ours refreshes after a 401
    ours = stored(peers, service)
    assert ours["refresh_token"] != theirs["refresh_token"]
    assert len(peers.authority.refreshes()) == 2

    assert_answered(run(peers, "codex"))  # theirs reads ours, no stale copy
    assert sent_by_last_request(peers) == ours["access_token"]
    assert len(peers.authority.refreshes()) == 2
    print("FIGURES peer-keyring: both ways after refreshes, refreshes=2")
