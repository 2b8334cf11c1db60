"""Web search settings: the `web_search` entry of `tools` matches the real Codex CLI 0.169's.

For each of Codex's settings (`web_search = "live" | "cached" | "disabled"`, the
`[tools.web_search]` options, the older `[tools] web_search = true`, the feature flag,
full access) `codex exec` and `codex-lsp exec` run one after the other against the same
scripted endpoints in an offline network namespace, sharing one config.toml; their first
requests must carry the same `web_search` entry (or none). Skipped only when the Codex
binary is missing (CI installs it as the bench does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.codex_peer import Netns, codex_binary, netns_problem
from tests.support.wire_endpoints import first_requests

pytestmark = [pytest.mark.peer, pytest.mark.timeout(900)]
BINARY = codex_binary()

OPTIONS = (
    '[tools.web_search]\ncontext_size = "high"\nallowed_domains = ["docs.rs"]\n'
    'location = { country = "US", city = "Boston" }'
)
SETTINGS: dict[str, tuple[str, str]] = {
    # name: (top-level lines, sections)
    "default": ("", ""),
    "live": ('web_search = "live"', ""),
    "cached": ('web_search = "cached"', ""),
    "disabled": ('web_search = "disabled"', ""),
    "options": ("", OPTIONS),
    "live-options": (
        'web_search = "live"',
        '[tools.web_search]\nallowed_domains = []\n'
        'location = { country = "GB", region = "London", city = "London", timezone = "Europe/London" }',
    ),
    "disabled-options": ('web_search = "disabled"', OPTIONS),
    "tools-bool": ("", "[tools]\nweb_search = true"),
    "feature-live": ("", "[features]\nweb_search_request = true"),
    "full-access": ('sandbox_mode = "danger-full-access"', ""),
}


def _search_entries(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in request["body"]["tools"] if t.get("type") == "web_search"]


@pytest.mark.skipif(BINARY is None, reason="the Codex CLI binary is not installed (bench cache)")
@pytest.mark.skipif(netns_problem() is not None, reason=f"no offline namespace: {netns_problem()}")
def test_web_search_entry_matches_codex_for_each_setting(tmp_path: Path) -> None:
    assert BINARY is not None
    differences: dict[str, tuple[Any, Any]] = {}
    seen: dict[str, Any] = {}
    with Netns() as ns:
        for name, (top, sections) in SETTINGS.items():
            ours, theirs = (
                _search_entries(request)
                for request in first_requests(ns, BINARY, "apikey", tmp_path / name, top, sections)
            )
            seen[name] = theirs
            if ours != theirs:
                differences[name] = (ours, theirs)
    assert not differences, f"web_search entries (ours, Codex's) differ: {differences}"
    # The settings do change what Codex sends, so the comparison above is not vacuous.
    assert seen["disabled"] == [] and seen["live"][0]["external_web_access"] is True
    assert seen["options"][0]["search_context_size"] == "high"
