"""The per-family tool table: gpt-5.x on the Responses API sees Codex 0.169's tools
with Codex's exact schemas; other models and providers keep codex-lsp's set."""

from __future__ import annotations

import json
from pathlib import Path

from codex_lsp.tools.registry import default_tools
from codex_lsp.tools.toolsets import family_of, tools_for

FIXTURE = Path(__file__).parents[1] / "fixtures" / "codex-0.169-tools.json"
CODEX_GPT55 = {t.get("name") or t["type"]: t for t in json.loads(FIXTURE.read_text())["gpt-5.5"]}
WRITTEN_DOWN = {"update_plan"}
"""Offered by codex-lsp though Codex 0.169 does not offer it to gpt-5.5 (see toolsets.py)."""


def test_families() -> None:
    assert family_of("gpt-5.5", "responses") == "codex"
    assert family_of("openai/gpt-5.1-codex-max", "responses") == "codex"
    assert family_of("gpt-5.5", "chat") == "default"
    assert family_of("gpt-4.1", "responses") == "default"
    assert family_of("llama3", "chat") == "default"


def test_gpt55_is_offered_codex_tools_with_codex_schemas() -> None:
    specs = tools_for(default_tools(), "gpt-5.5", "responses").specs(freeform_apply_patch=True)
    names = [s.name for s in specs]
    assert names[:2] == ["exec_command", "write_stdin"]
    assert not {"shell", "read_file", "list_dir", "grep_files"} & set(names)
    for spec in specs:
        if spec.name in WRITTEN_DOWN:
            continue
        codex = CODEX_GPT55[spec.name]
        assert codex["description"] == spec.description, spec.name
        if spec.grammar is None:
            assert codex["parameters"] == spec.parameters, spec.name
        else:
            assert codex["type"] == "custom" and codex["format"]["syntax"] == "lark"
            assert codex["format"]["definition"] == spec.grammar


def test_other_families_keep_the_codex_lsp_set_and_everything_stays_callable() -> None:
    registry = tools_for(default_tools(), "gpt-4.1", "responses")
    names = [s.name for s in registry.specs()]
    assert names[:6] == ["read_file", "list_dir", "grep_files", "apply_patch", "update_plan", "shell"]
    assert "exec_command" not in names
    assert registry.get("exec_command") is not None and registry.get("shell_command") is not None
    codex = tools_for(default_tools(), "gpt-5.5", "responses")
    assert codex.get("shell") is not None and codex.get("read_file") is not None
