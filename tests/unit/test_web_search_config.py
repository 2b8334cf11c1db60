"""`[tools.web_search]` options read as Codex 0.169 reads them, and the entry they make
(the same entries as the binary's are checked in tests/peer/test_web_search_parity.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.config import ConfigError, LoadedConfig, load_config
from codex_lsp.tools.web_search import web_search_tool


def test_options_table_shapes_the_entry(tmp_path: Path) -> None:
    loaded = load_config_text(
        tmp_path,
        'web_search = "live"\n[tools.web_search]\ncontext_size = "low"\n'
        'allowed_domains = ["docs.rs", "pypi.org"]\nlocation = { country = "DE", timezone = "Europe/Berlin" }\n',
    )
    assert web_search_tool(loaded.config, True) == {
        "type": "web_search",
        "external_web_access": True,
        "filters": {"allowed_domains": ["docs.rs", "pypi.org"]},
        "user_location": {"type": "approximate", "country": "DE", "timezone": "Europe/Berlin"},
        "search_context_size": "low",
        "search_content_types": ["text", "image"],
    }


def test_older_boolean_form_is_accepted_and_changes_nothing(tmp_path: Path) -> None:
    loaded = load_config_text(tmp_path, "[tools]\nweb_search = false\nview_image = true\n")
    assert web_search_tool(loaded.config, True) == {
        "type": "web_search",
        "external_web_access": False,
        "search_content_types": ["text", "image"],
    }
    assert not loaded.warnings


def test_bad_option_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(tmp_path, '[tools.web_search]\ncontext_size = "huge"\n')
    assert "tools.web_search.context_size" in str(info.value)


def load_config_text(home: Path, text: str) -> LoadedConfig:
    (home / "config.toml").write_text('model = "gpt-5.5"\n' + text)
    return load_config(home=home, env={})
