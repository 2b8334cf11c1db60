"""Codex 0.169's profiles: `<CODEX_HOME>/<name>.config.toml` over config.toml, older forms warned."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.config import ConfigError, load_config
from codex_lsp.config.lenient import load_config_keeping_valid
from codex_lsp.lsp.session.config_watch import ConfigWatch

BASE = 'model = "gpt-5.5"\napproval_policy = "untrusted"\n'
LOCAL = '[model_providers.local]\nname = "Local"\nbase_url = "http://127.0.0.1:9/v1"\n'


def _home(tmp_path: Path, config: str, **profiles: str) -> Path:
    (tmp_path / "config.toml").write_text(config)
    for name, text in profiles.items():
        (tmp_path / f"{name}.config.toml").write_text(text)
    return tmp_path


def test_the_profile_file_is_layered_between_config_toml_and_the_settings(tmp_path: Path) -> None:
    home = _home(tmp_path, BASE, fast='model = "gpt-5.4"\nmodel_provider = "local"\n' + LOCAL)
    loaded = load_config(home=home, env={}, overrides={"profile": "fast"})
    assert loaded.config.model == "gpt-5.4" and loaded.provider_id == "local"
    assert loaded.config.approval_policy == "untrusted"  # from config.toml
    assert loaded.profile_file == home / "fast.config.toml"
    assert loaded.describe()["profile_file"] == str(home / "fast.config.toml")
    assert loaded.warnings == []
    again = load_config(home=home, env={}, overrides={"profile": "fast", "model": "o3"})
    assert again.config.model == "o3"  # the settings win over the profile file


def test_a_selector_in_config_toml_works_and_says_codex_refuses_it(tmp_path: Path) -> None:
    home = _home(tmp_path, 'profile = "fast"\n' + BASE, fast='model = "gpt-5.4"\n')
    loaded = load_config(home=home, env={})
    assert loaded.config.model == "gpt-5.4"
    [warning] = loaded.warnings
    assert "refused by Codex 0.169" in warning and "fast.config.toml" in warning


def test_a_table_is_used_without_a_file_with_the_way_to_move_it(tmp_path: Path) -> None:
    home = _home(tmp_path, BASE + '[profiles.fast]\nmodel = "gpt-5.4"\n')
    loaded = load_config(home=home, env={}, overrides={"profile": "fast"})
    assert loaded.config.model == "gpt-5.4" and loaded.profile_file is None
    [warning] = loaded.warnings
    assert "[profiles.fast]" in warning and str(home / "fast.config.toml") in warning


def test_the_file_wins_over_a_table_of_the_same_name(tmp_path: Path) -> None:
    home = _home(
        tmp_path, BASE + '[profiles.fast]\nmodel = "from-table"\n', fast='model = "from-file"\n'
    )
    loaded = load_config(home=home, env={}, overrides={"profile": "fast"})
    assert loaded.config.model == "from-file"
    assert any("[profiles.fast] in config.toml ignored" in w for w in loaded.warnings)


def test_neither_file_nor_table_is_an_error_naming_both(tmp_path: Path) -> None:
    home = _home(tmp_path, BASE)
    with pytest.raises(ConfigError) as info:
        load_config(home=home, env={}, overrides={"profile": "fast"})
    assert "fast.config.toml" in str(info.value) and "[profiles.fast]" in str(info.value)


def test_a_profile_name_never_reaches_outside_the_codex_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(BASE)
    (tmp_path / "evil.config.toml").write_text('model = "evil"\n')
    with pytest.raises(ConfigError):
        load_config(home=home, env={}, overrides={"profile": "../evil"})


def test_a_bad_value_in_the_profile_file_is_named_there(tmp_path: Path) -> None:
    home = _home(tmp_path, BASE, fast='model = "gpt-5.4"\napproval_policy = "sometimes"\n')
    with pytest.raises(ConfigError) as info:
        load_config(home=home, env={}, overrides={"profile": "fast"})
    assert info.value.source == str(home / "fast.config.toml")
    loaded, problems = load_config_keeping_valid(home=home, env={}, overrides={"profile": "fast"})
    assert loaded.config.model == "gpt-5.4"  # the rest of the file is used
    assert loaded.config.approval_policy == "untrusted"  # the bad key fell back to config.toml
    [problem] = problems
    assert str(problem).startswith(f"{home / 'fast.config.toml'}:2: 'approval_policy'")


def test_a_profile_file_cannot_select_another_profile(tmp_path: Path) -> None:
    home = _home(tmp_path, BASE, fast='profile = "other"\nmodel = "gpt-5.4"\n')
    loaded = load_config(home=home, env={}, overrides={"profile": "fast"})
    assert loaded.config.profile == "fast" and loaded.config.model == "gpt-5.4"
    assert any("'profile' in" in w and "ignored" in w for w in loaded.warnings)


def test_editing_or_creating_the_profile_file_is_noticed(tmp_path: Path) -> None:
    home = _home(tmp_path, BASE)
    watch = ConfigWatch()
    watch.remember(home, "fast")
    assert not watch.changed()
    (home / "fast.config.toml").write_text('model = "gpt-5.4"\n')
    assert watch.changed()
