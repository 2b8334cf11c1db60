"""Wire parity with the real Codex CLI 0.169: the first `/responses` request, both auth modes.

`codex exec "say hi"` and `codex-lsp exec "say hi"` run one after the other against the same
scripted endpoints inside an offline network namespace (tests/support/codex_wire_peer.py).
Their first `POST …/responses` are reduced to header names, body structure and settings
(tests/support/wire_diff.py); every difference must be a row of docs/wire-parity.md, and
every row there must still be observed.  Skipped only when the Codex binary is missing
(CI installs it as the bench does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.codex_side import native_binary
from tests.support.codex_wire_peer import (
    REPO,
    Endpoints,
    Namespace,
    clean_env,
    codex_command,
    endpoints,
    lsp_command,
    offline_namespace,
    run_in,
    write_config,
)
from tests.support.wire_diff import MODES, REPO_DOC, Row, as_table, diff, documented

pytestmark = [pytest.mark.peer, pytest.mark.timeout(600)]
DOC = REPO_DOC
BINARY = native_binary()


def _first_request(ep: Endpoints, after: int, who: str, result: Any) -> dict[str, Any]:
    requests = ep.responses()
    assert len(requests) > after, (
        f"{who} sent no /responses request (exit {result.returncode}):\n"
        f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    )
    return requests[after]


def _capture(ns: Namespace, mode: str, tmp: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(codex-lsp's first request, Codex's first request) in `mode`."""
    codex_home, lsp_home, work = tmp / "codex" / "home", tmp / "lsp" / "home", tmp / "work"
    work.mkdir(parents=True)
    assert BINARY is not None
    with endpoints(ns, mode, tmp / "endpoints", [codex_home, lsp_home]) as ep:
        tls = {"CODEX_CA_CERTIFICATE": str(ep.ca_certificate)}
        for home in (codex_home, lsp_home):
            write_config(home, ep, mode)
        result = run_in(ns, codex_command(BINARY, work), clean_env(codex_home, tls), work)
        theirs = _first_request(ep, 0, "codex", result)
        seen = len(ep.responses())
        env = clean_env(lsp_home, {**tls, "PYTHONPATH": str(REPO)})
        result = run_in(ns, lsp_command(work), env, work)
        assert result.returncode == 0, result.stderr[-4000:]
        ours = _first_request(ep, seen, "codex-lsp", result)
    return ours, theirs


@pytest.mark.skipif(BINARY is None, reason="the Codex CLI binary is not installed (bench cache)")
def test_first_request_matches_codex_except_documented_rows(tmp_path: Path) -> None:
    observed: dict[str, dict[str, Row]] = {}
    with offline_namespace() as ns:
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
