"""The built-in `web_search` tool: when it is offered (Codex 0.169's config keys and
request entry), how its `web_search_call` items are read, kept and described."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.agent.transcript import transcript
from codex_lsp.config import load_config
from codex_lsp.models.base import Completed, TextDelta, WebSearchCall
from codex_lsp.models.chat_request import build_body as chat_body
from codex_lsp.models.family import wire_options
from codex_lsp.models.responses import ResponsesClient, build_body
from codex_lsp.tools.web_search import describe_search, search_event, web_search_item
from tests.support.model_server import Reply, ScriptedModelServer, Text
from tests.support.model_server import WebSearchCall as Search
from tests.unit.test_chat_client import endpoint, request

FIXTURE = Path(__file__).parents[1] / "fixtures" / "codex-0.169-tools.json"
RECORDED = json.loads(FIXTURE.read_text())


def _hosted(tmp_path: Path, **overrides: Any) -> tuple[dict[str, Any], ...]:
    loaded = load_config(home=tmp_path, env={"OPENAI_API_KEY": "k"}, overrides=overrides)
    assert not loaded.warnings, loaded.warnings
    return wire_options(loaded).hosted_tools


def test_the_default_entry_is_the_one_codex_sends(tmp_path: Path) -> None:
    recorded = [t for t in RECORDED["gpt-5.5"] if t["type"] == "web_search"]
    assert list(_hosted(tmp_path, model="gpt-5.5")) == recorded
    fallback = [t for t in RECORDED["fallback"] if t["type"] == "web_search"]
    assert list(_hosted(tmp_path, model="gpt-5.1-codex-max")) == fallback


@pytest.mark.parametrize(
    ("overrides", "live"),
    [
        ({"web_search": "live"}, True),
        ({"web_search": "cached"}, False),
        ({"features": {"web_search_request": True}}, True),
        ({"features": {"web_search_cached": True, "web_search_request": True}}, False),
        ({"sandbox_mode": "danger-full-access"}, True),
    ],
)
def test_modes_resolve_as_codex_resolves_them(
    tmp_path: Path, overrides: dict[str, Any], live: bool
) -> None:
    (tool,) = _hosted(tmp_path, model="gpt-5.1-codex-max", **overrides)
    assert tool["external_web_access"] is live


@pytest.mark.parametrize(
    "overrides",
    [
        {"web_search": "disabled"},
        {"web_search": "disabled", "sandbox_mode": "danger-full-access"},
        {"model_provider": "ollama"},
        {"model_provider": "openai-chat-completions"},
    ],
)
def test_no_web_search_when_disabled_or_not_the_openai_responses_provider(
    tmp_path: Path, overrides: dict[str, Any]
) -> None:
    if overrides.get("model_provider") == "openai-chat-completions":
        config = tmp_path / "config.toml"
        config.write_text(
            '[model_providers.openai-chat-completions]\nname = "x"\n'
            'base_url = "http://127.0.0.1:9/v1"\nenv_key = "OPENAI_API_KEY"\nwire_api = "chat"\n'
        )
    assert _hosted(tmp_path, **overrides) == ()


def test_a_profile_can_turn_it_off(tmp_path: Path) -> None:
    (tmp_path / "quiet.config.toml").write_text('web_search = "disabled"\n')
    assert _hosted(tmp_path, profile="quiet") == ()


def test_hosted_tools_go_after_the_function_tools_on_the_responses_wire_only() -> None:
    entry = {"type": "web_search", "external_web_access": False}
    req = replace(request(), hosted_tools=[entry])
    assert build_body(req, envelope=True)["tools"][-1] == entry
    assert all(t["type"] == "function" for t in chat_body(req).get("tools", []))


async def test_streamed_search_items_become_begin_and_end_events() -> None:
    with ScriptedModelServer() as server:
        server.script(
            Reply(
                [Search("pygls 2 release notes", ["https://pypi.org/p/pygls"]), Text("Done.")],
                full=True,
            )
        )
        client = ResponsesClient(endpoint(server.base_url))
        try:
            events = [e async for e in client.stream(request())]
        finally:
            await client.aclose()
    searches = [e for e in events if isinstance(e, WebSearchCall)]
    assert [s.done for s in searches] == [False, True]
    assert searches[1].item["action"]["query"] == "pygls 2 release notes"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Done."
    assert isinstance(events[-1], Completed)
    kept = web_search_item(searches[1].item)
    assert "id" not in kept and kept["status"] == "completed"
    begin = search_event("t1", searches[0].item, done=False)
    end = search_event("t1", searches[1].item, done=True)
    assert (begin.phase, begin.detail) == ("begin", "Searching the web")
    assert end.detail == "Searching the web: pygls 2 release notes"
    assert end.sources == ["https://pypi.org/p/pygls"] and end.call_id == searches[1].item["id"]


def test_descriptions_of_other_actions_and_odd_items() -> None:
    assert describe_search({"action": {"type": "open_page", "url": "https://a.b"}}) == (
        "Opening https://a.b"
    )
    find = {"action": {"type": "find", "pattern": "x", "url": "https://a.b"}}
    assert describe_search(find) == "Finding 'x' in https://a.b"
    assert describe_search({"action": "garbage"}) == "Searching the web"
    assert describe_search({"action": {"queries": ["a", "b"]}}) == "Searching the web: a, b"
    assert web_search_item({"type": "web_search_call", "action": 3}) == {"type": "web_search_call"}


def test_transcript_shows_a_kept_search() -> None:
    item = web_search_item(
        {
            "type": "web_search_call",
            "status": "completed",
            "action": {"type": "search", "query": "q"},
        }
    )
    assert transcript([item]) == [
        {"kind": "tool", "name": "web_search", "detail": "Searching the web: q"}
    ]
