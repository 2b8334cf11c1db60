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

import pytest

from tests.support.codex_peer import Netns, codex_binary, netns_problem
from tests.support.wire_diff import MODES, REPO_DOC, Row, as_table, diff, documented
from tests.support.wire_endpoints import first_requests

pytestmark = [pytest.mark.peer, pytest.mark.timeout(600)]
DOC = REPO_DOC
BINARY = codex_binary()


@pytest.mark.skipif(BINARY is None, reason="the Codex CLI binary is not installed (bench cache)")
@pytest.mark.skipif(netns_problem() is not None, reason=f"no offline namespace: {netns_problem()}")
def test_first_request_matches_codex_except_documented_rows(tmp_path: Path) -> None:
    assert BINARY is not None
    observed: dict[str, dict[str, Row]] = {}
    with Netns() as ns:
        for mode in MODES:
            wire_mode = "apikey" if mode == "api-key" else mode
            ours, theirs = first_requests(ns, BINARY, wire_mode, tmp_path / mode)
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


@pytest.mark.skipif(BINARY is None, reason="the Codex CLI binary is not installed (bench cache)")
@pytest.mark.skipif(netns_problem() is not None, reason=f"no offline namespace: {netns_problem()}")
def test_a_profile_file_selected_with_profile_is_read_as_codex_reads_it(tmp_path: Path) -> None:
    """Codex 0.169's profiles: `--profile fast` layers `fast.config.toml` over config.toml."""
    assert BINARY is not None
    profile = ("fast", 'model = "gpt-5.4"\nmodel_reasoning_effort = "low"\n')
    with Netns() as ns:
        ours, theirs = first_requests(ns, BINARY, "apikey", tmp_path, profile=profile)
    for request in (ours, theirs):
        assert request["body"]["model"] == "gpt-5.4"
        assert request["body"]["reasoning"]["effort"] == "low"
