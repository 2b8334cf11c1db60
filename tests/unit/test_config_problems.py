"""Keeping every valid part of a broken config: salvaged lines, dropped keys, located problems."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.agent.instructions import project_docs
from codex_lsp.config.lenient import load_config_keeping_valid
from codex_lsp.config.problems import drop_key, key_line, salvage_toml

TEXT = """model = "m"
approval_policy =
[model_providers.loc]
name = "Loc"
"base_url" = 3
[mcp_servers."my.srv"]
command = 5
"""


def test_salvage_keeps_every_line_that_parses() -> None:
    data, problems = salvage_toml(TEXT, "cfg")
    assert data["model"] == "m" and data["model_providers"]["loc"]["name"] == "Loc"
    assert [(p.line, p.key, p.action) for p in problems] == [(2, "approval_policy", "line ignored")]


def test_a_broken_header_takes_its_table_with_it() -> None:
    data, problems = salvage_toml('a = 1\n[tbl\nb = 2\n[ok]\nc = 3\n', "cfg")
    assert data == {"a": 1, "ok": {"c": 3}}
    assert [p.line for p in problems] == [2]


def test_a_key_inside_a_table_is_named_with_its_table() -> None:
    _, problems = salvage_toml('[model_providers.loc]\nbase_url = \n', "cfg")
    assert problems[0].key == "model_providers.loc.base_url"


def test_key_line_follows_tables_quotes_and_dotted_keys() -> None:
    assert key_line(TEXT, ("model_providers", "loc", "base_url")) == 5
    assert key_line(TEXT, ("mcp_servers", "my.srv", "command")) == 7
    assert key_line('a.b = 1\n', ("a", "b")) == 1
    assert key_line(TEXT, ("nowhere",)) is None


def test_drop_key_removes_only_what_exists() -> None:
    raw = {"a": {"b": 1, "c": 2}, "d": [1, 2]}
    assert drop_key(raw, ("a", "b")) and raw == {"a": {"c": 2}, "d": [1, 2]}
    assert drop_key(raw, ("d", 1)) and raw == {"a": {"c": 2}}
    assert not drop_key(raw, ("a", "zz"))


def test_lenient_load_never_raises_and_blocks_a_broken_provider(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'model_provider = "loc"\n[model_providers.loc]\nname = "Loc"\nbase_url = 3\n'
    )
    loaded, problems = load_config_keeping_valid(tmp_path, env={})
    assert [p.key for p in problems] == ["model_providers.loc.base_url", "model_provider"]
    assert loaded.provider_id == "openai"
    assert loaded.blocked is not None and f"{tmp_path / 'config.toml'}:4" in loaded.blocked


def test_an_unused_broken_provider_does_not_block(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[model_providers.spare]\nname = 5\n')
    loaded, problems = load_config_keeping_valid(tmp_path, env={})
    assert [p.action for p in problems] == ["entry skipped"]
    assert loaded.blocked is None


def test_bad_overrides_are_dropped_key_by_key(tmp_path: Path) -> None:
    loaded, problems = load_config_keeping_valid(
        tmp_path, {"approvalPolicy": "sometimes", "model": "x"}, env={}
    )
    assert loaded.config.model == "x" and loaded.config.approval_policy == "on-request"
    assert [(p.source, p.key) for p in problems] == [("initializationOptions", "approval_policy")]
    _, problems = load_config_keeping_valid(tmp_path, ["not", "an", "object"], env={})  # type: ignore[arg-type]
    assert problems[0].source == "initializationOptions"


def test_agents_md_huge_unreadable_or_binary_is_said(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "AGENTS.md").write_text("x" * 100 + "TAIL")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "AGENTS.md").write_bytes(b"\x00bin")
    problems: list[str] = []
    text = project_docs(tmp_path / "sub", None, 50, problems)
    assert text == "x" * 50  # the binary one is skipped
    assert problems == [
        f"{tmp_path / 'AGENTS.md'} is longer than project_doc_max_bytes (50): only its start is used",
        f"{tmp_path / 'sub' / 'AGENTS.md'} is not a text file: skipped",
    ]


def test_the_early_capability_read_skips_broken_lines_as_the_full_load_does(tmp_path: Path) -> None:
    from codex_lsp.lsp.rpc.fast_start import inline_completion_requested

    (tmp_path / "config.toml").write_text(
        "approval_policy = \n[inline_completion]\nenabled = true\n"
    )
    assert inline_completion_requested(None, {"CODEX_HOME": str(tmp_path)}) is True
    loaded, _ = load_config_keeping_valid(tmp_path, env={})
    assert loaded.config.inline_completion.enabled is True
