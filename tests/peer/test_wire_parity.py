"""Wire parity with the real Codex CLI 0.169: the first `/responses` request, both auth modes.

`codex exec "say hi"` and `codex-lsp exec "say hi"` run one after the other against the same
scripted endpoints inside an offline network namespace (tests/support/codex_peer.py,
tests/support/wire_endpoints.py).
Their first `POST …/responses` are reduced to header names, body structure and settings
(tests/support/wire_diff.py); every difference must be a row of docs/wire-parity.md, and
every row there must still be observed.  Skipped only when the Codex binary is missing
(CI installs it as the bench does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.codex_peer import (
    Netns,
    PeerRun,
    base_env,
    codex_binary,
    codex_exec_argv,
    lsp_argv,
    netns_problem,
    write_codex_home,
)
from tests.support.wire_diff import MODES, REPO_DOC, Row, as_table, diff, documented
from tests.support.wire_endpoints import Endpoints, wire_endpoints

pytestmark = [pytest.mark.peer, pytest.mark.timeout(600)]
DOC = REPO_DOC
BINARY = codex_binary()
PROMPT = "say hi"


def _first_request(ep: Endpoints, after: int, run: PeerRun) -> dict[str, Any]:
    requests = ep.responses()
    assert len(requests) > after, f"{run.side} sent no /responses request:\n{run.describe()}"
    return requests[after]


def _capture(ns: Netns, mode: str, tmp: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(codex-lsp's first request, Codex's first request) in `mode`."""
    codex_home, lsp_home, work = tmp / "codex" / "home", tmp / "lsp" / "home", tmp / "work"
    work.mkdir(parents=True)
    assert BINARY is not None
    with wire_endpoints(ns, mode, tmp / "endpoints") as ep:
        for home in (codex_home, lsp_home):
            write_codex_home(home, ep.settings(), ep.auth)
        tls = {"CODEX_CA_CERTIFICATE": str(ep.ca_certificate)}
        argv = codex_exec_argv(BINARY, PROMPT, cwd=work)
        theirs = _first_request(ep, 0, ns.run("codex", argv, base_env(codex_home, tls), work))
        seen = len(ep.responses())
        argv = lsp_argv("exec", "--cd", str(work), PROMPT)
        run = ns.run("codex-lsp", argv, base_env(lsp_home, tls), work)
        assert run.returncode == 0, run.describe()
        ours = _first_request(ep, seen, run)
    return ours, theirs


@pytest.mark.skipif(BINARY is None, reason="the Codex CLI binary is not installed (bench cache)")
@pytest.mark.skipif(netns_problem() is not None, reason=f"no offline namespace: {netns_problem()}")
def test_first_request_matches_codex_except_documented_rows(tmp_path: Path) -> None:
    observed: dict[str, dict[str, Row]] = {}
    with Netns() as ns:
        for mode in MODES:
            ours, theirs = _capture(ns, "apikey" if mode == "api-key" else mode, tmp_path / mode)
            assert ours["headers"].get("originator") and "instructions" not in ours["body"]
            for row in diff(ours, theirs):
                observed.setdefault(row.key, {})[mode] = row
    listed = documented(DOC)
    unexplained = {
        key: modes
        for key, modes in observed.items()
        if not set(modes) <= listed.get(key, set())
    }
    stale = {
        key: modes - set(observed.get(key, {}))
        for key, modes in listed.items()
        if modes - set(observed.get(key, {}))
    }
    assert not unexplained, (
        f"differences from Codex not explained in {DOC.name}:\n"
        + as_table({k: observed[k] for k in unexplained})
    )
    assert not stale, f"rows of {DOC.name} no longer observed (remove or fix them): {stale}"
