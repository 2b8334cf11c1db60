"""The editors' `initialize` data (tests/support/clients): each file loads, says where it
comes from, and keeps the facts the README's editor table rests on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import clients
from tests.support.clients import CLIENT_NAMES, load_client

PRESENT = [name for name in CLIENT_NAMES if clients.client_file(name).is_file()]


@pytest.mark.parametrize("name", PRESENT)
def test_each_profile_loads_and_names_its_source(name: str) -> None:
    profile = load_client(name)
    assert profile is not None
    assert profile.source.get("repo") and profile.source.get("path"), profile.source
    assert profile.capabilities, "no capabilities"
    assert not any(key.startswith("_") for key in profile.params)
    for method in ("window/showMessageRequest", "workspace/applyEdit"):
        assert profile.answer(method) in ("answers", "methodNotFound", "null")


def test_the_capability_gaps_the_editor_table_names() -> None:
    kate, zed, neovim = load_client("kate"), load_client("zed"), load_client("neovim")
    assert kate is not None and zed is not None and neovim is not None
    # Kate handles applyEdit and showDocument without announcing either.
    assert "applyEdit" not in kate.capabilities["workspace"]
    assert kate.answer("workspace/applyEdit") == "answers"
    assert "showDocument" not in kate.capabilities["window"]
    # Zed has no showDocument handler; Neovim announces no documentChanges.
    assert zed.answer("window/showDocument") == "methodNotFound"
    assert "documentChanges" not in neovim.capabilities["workspace"]["workspaceEdit"]
    assert "clientInfo" not in kate.params and "initializationOptions" not in neovim.params


def test_a_profile_without_answers_is_read_from_its_capabilities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file with only the params (another helper's format): announced means answered."""
    caps = {"window": {"workDoneProgress": True}, "workspace": {"applyEdit": True}}
    (tmp_path / "bare.json").write_text(json.dumps({"initialize": {"capabilities": caps}}))
    monkeypatch.setattr(clients, "CLIENTS_DIR", tmp_path)
    profile = load_client("bare")
    assert profile is not None and profile.capabilities == caps
    assert not profile.prompts
    assert profile.answer("workspace/applyEdit") == "answers"
    assert profile.answer("window/showDocument") == "methodNotFound"
    assert load_client("absent") is None


def test_an_unknown_answer_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {"capabilities": {}, "_server_requests": {"window/showDocument": "sometimes"}}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    monkeypatch.setattr(clients, "CLIENTS_DIR", tmp_path)
    with pytest.raises(ValueError, match="answers, methodNotFound or null"):
        load_client("bad")
