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

from bench.codex_side import native_binary
from tests.support.codex_wire_peer import (
    MODEL,
    REPO,
    Endpoints,
    Namespace,
    clean_env,
    codex_command,
    endpoints,
    lsp_command,
    offline_namespace,
    run_in,
)

pytestmark = [pytest.mark.peer, pytest.mark.timeout(900)]
BINARY = native_binary()

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


def _write_config(home: Path, ep: Endpoints, top: str, sections: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    lines = [
        f'model = "{MODEL}"',
        f'openai_base_url = "{ep.model}"',
        "check_for_update_on_startup = false",
        top,
        "",
        "[analytics]",
        "enabled = false",
        "",
        sections,
        "",
    ]
    (home / "config.toml").write_text("\n".join(lines))


def _search_entries(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in request["body"]["tools"] if t.get("type") == "web_search"]


def _both(ns: Namespace, tmp: Path, top: str, sections: str) -> tuple[Any, Any]:
    """(codex-lsp's web_search entries, Codex's) for one setting."""
    codex_home, lsp_home, work = tmp / "codex" / "home", tmp / "lsp" / "home", tmp / "work"
    work.mkdir(parents=True)
    assert BINARY is not None
    with endpoints(ns, "apikey", tmp / "endpoints", [codex_home, lsp_home]) as ep:
        for home in (codex_home, lsp_home):
            _write_config(home, ep, top, sections)
        result = run_in(ns, codex_command(BINARY, work), clean_env(codex_home), work)
        assert ep.responses(), f"codex sent no request:\n{result.stderr[-3000:]}"
        theirs = _search_entries(ep.responses()[0])
        env = clean_env(lsp_home, {"PYTHONPATH": str(REPO)})
        result = run_in(ns, lsp_command(work), env, work)
        assert result.returncode == 0, result.stderr[-3000:]
        ours = _search_entries(ep.responses()[1])
    return ours, theirs


@pytest.mark.skipif(BINARY is None, reason="the Codex CLI binary is not installed (bench cache)")
def test_web_search_entry_matches_codex_for_each_setting(tmp_path: Path) -> None:
    differences: dict[str, tuple[Any, Any]] = {}
    seen: dict[str, Any] = {}
    with offline_namespace() as ns:
        for name, (top, sections) in SETTINGS.items():
            ours, theirs = _both(ns, tmp_path / name, top, sections)
            seen[name] = theirs
            if ours != theirs:
                differences[name] = (ours, theirs)
    assert not differences, f"web_search entries (ours, Codex's) differ: {differences}"
    # The settings do change what Codex sends, so the comparison above is not vacuous.
    assert seen["disabled"] == [] and seen["live"][0]["external_web_access"] is True
    assert seen["options"][0]["search_context_size"] == "high"
