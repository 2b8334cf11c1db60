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

from tests.support.codex_peer import (
    Netns,
    add_setting,
    base_env,
    codex_binary,
    codex_exec_argv,
    lsp_argv,
    netns_problem,
    write_codex_home,
)
from tests.support.wire_endpoints import wire_endpoints

pytestmark = [pytest.mark.peer, pytest.mark.timeout(900)]
BINARY = codex_binary()
PROMPT = "say hi"

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


def _both(ns: Netns, tmp: Path, top: str, sections: str) -> tuple[Any, Any]:
    """(codex-lsp's web_search entries, Codex's) for one setting."""
    codex_home, lsp_home, work = tmp / "codex" / "home", tmp / "lsp" / "home", tmp / "work"
    work.mkdir(parents=True)
    assert BINARY is not None
    with wire_endpoints(ns, "apikey", tmp / "endpoints") as ep:
        for home in (codex_home, lsp_home):
            write_codex_home(home, ep.settings(), ep.auth, tables=sections)
            if top:
                add_setting(home, top)
        argv = codex_exec_argv(BINARY, PROMPT, cwd=work)
        run = ns.run("codex", argv, base_env(codex_home), work)
        assert ep.responses(), f"codex sent no request:\n{run.describe()}"
        theirs = _search_entries(ep.responses()[0])
        run = ns.run("codex-lsp", lsp_argv("exec", "--cd", str(work), PROMPT), base_env(lsp_home), work)
        assert run.returncode == 0, run.describe()
        ours = _search_entries(ep.responses()[1])
    return ours, theirs


@pytest.mark.skipif(BINARY is None, reason="the Codex CLI binary is not installed (bench cache)")
@pytest.mark.skipif(netns_problem() is not None, reason=f"no offline namespace: {netns_problem()}")
def test_web_search_entry_matches_codex_for_each_setting(tmp_path: Path) -> None:
    differences: dict[str, tuple[Any, Any]] = {}
    seen: dict[str, Any] = {}
    with Netns() as ns:
        for name, (top, sections) in SETTINGS.items():
            ours, theirs = _both(ns, tmp_path / name, top, sections)
            seen[name] = theirs
            if ours != theirs:
                differences[name] = (ours, theirs)
    assert not differences, f"web_search entries (ours, Codex's) differ: {differences}"
    # The settings do change what Codex sends, so the comparison above is not vacuous.
    assert seen["disabled"] == [] and seen["live"][0]["external_web_access"] is True
    assert seen["options"][0]["search_context_size"] == "high"
