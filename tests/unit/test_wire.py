"""The wire facts have one home (`codex_lsp.wire`): the server, the early `initialize`
answer, the docs and both editors must agree with it."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import get_args

from codex_lsp import wire
from codex_lsp.core.protocol import AgentEvent
from codex_lsp.lsp.features.command_table import commands

REPO = Path(__file__).resolve().parents[2]
VSCODE_CONSTANTS = REPO / "editors" / "vscode" / "src" / "constants.ts"
VSCODE_EVENTS = REPO / "editors" / "vscode" / "src" / "events.ts"
LSP_LAYER = REPO / "codex_lsp" / "lsp"
NVIM = REPO / "editors" / "nvim"
PROTOCOL_DOC = REPO / "docs" / "protocol.md"


def _ts_object(name: str) -> dict[str, str]:
    """The string values of `export const <name> = { key: 'value', ... }` in constants.ts."""
    text = VSCODE_CONSTANTS.read_text(encoding="utf-8")
    match = re.search(rf"export const {name} = \{{(.*?)\}} as const;", text, re.S)
    assert match, f"{name} not found in {VSCODE_CONSTANTS}"
    return dict(re.findall(r"(\w+): '([^']+)'", match.group(1)))


def _nvim_strings(pattern: str) -> set[str]:
    found: set[str] = set()
    for path in NVIM.rglob("*.lua"):
        found.update(re.findall(pattern, path.read_text(encoding="utf-8")))
    return found


def test_server_registers_exactly_the_wire_commands() -> None:
    assert tuple(commands()) == wire.COMMANDS
    assert len(set(wire.COMMANDS)) == len(wire.COMMANDS)


def test_vscode_names_exactly_the_server_commands() -> None:
    assert sorted(_ts_object("ServerCommands").values()) == sorted(wire.COMMANDS)


def test_vscode_names_exactly_the_custom_methods() -> None:
    assert sorted(_ts_object("Methods").values()) == sorted(wire.METHODS)


def test_nvim_uses_only_server_commands_and_handles_every_code_action_command() -> None:
    used = _nvim_strings(r"'(codex\.[A-Za-z]+)'")
    assert used <= set(wire.COMMANDS), f"unknown to the server: {sorted(used - set(wire.COMMANDS))}"
    config = (NVIM / "lsp" / "codex_lsp.lua").read_text(encoding="utf-8")
    handled = set(re.findall(r"\['(codex\.[A-Za-z]+)'\]\s*=", config))
    assert handled == set(wire.CODE_ACTION_COMMANDS)


def test_nvim_handles_every_server_to_client_method() -> None:
    config = (NVIM / "lsp" / "codex_lsp.lua").read_text(encoding="utf-8")
    handled = set(re.findall(r"\['(codex/[A-Za-z]+)'\]\s*=", config))
    assert handled == set(wire.METHODS)


def test_protocol_doc_lists_every_command_and_method() -> None:
    doc = PROTOCOL_DOC.read_text(encoding="utf-8")
    missing = [name for name in (*wire.COMMANDS, *wire.METHODS) if f"`{name}`" not in doc]
    assert missing == []


def test_capabilities_list_the_wire_commands_and_kinds() -> None:
    caps = wire.initialize_result()["capabilities"]
    assert caps["executeCommandProvider"] == {"commands": list(wire.COMMANDS)}
    assert caps["codeActionProvider"]["codeActionKinds"] == list(wire.CODE_ACTION_KINDS)


def _server_event_types() -> set[str]:
    """Every `codex/event` type: the agent events, and those the lsp layer builds itself."""
    agent = {f.default for cls in get_args(AgentEvent) for f in fields(cls) if f.name == "type"}
    built = {
        wire.REVIEW_EVENT,
        wire.AUTH_REQUIRED_EVENT,
        wire.LOGIN_EVENT,
        wire.APPROVAL_WITHDRAWN_EVENT,
        wire.QUESTION_WITHDRAWN_EVENT,
    }
    return {str(t) for t in agent} | built


def test_the_lsp_layer_sends_only_known_event_types() -> None:
    sent: set[str] = set()
    for path in LSP_LAYER.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "send_event(" not in text:
            continue
        for name, literal in re.findall(r'"type": (?:wire\.(\w+)|"(\w+)")', text):
            sent.add(getattr(wire, name) if name else literal)
    assert sent, "no event built in codex_lsp/lsp: the scan is stale"
    assert sent <= _server_event_types(), sorted(sent - _server_event_types())


def test_vscode_event_union_has_exactly_the_server_event_types() -> None:
    text = VSCODE_EVENTS.read_text(encoding="utf-8")
    union = set(re.findall(r"^  type: '(\w+)';$", text, re.M))
    table = re.search(r"const KINDS: Record<CodexEventType, true> = \{(.*?)\};", text, re.S)
    assert table, f"KINDS not found in {VSCODE_EVENTS}"
    assert union == _server_event_types()
    assert set(re.findall(r"(\w+): true", table.group(1))) == union
