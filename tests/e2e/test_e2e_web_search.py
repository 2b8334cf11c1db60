"""`web_search` end to end: with the built-in OpenAI provider (pointed at the scripted
Responses server by `openai_base_url`) the request carries Codex 0.169's `web_search`
entry; the model's `web_search_call` items, streamed in OpenAI's published event
shapes, show in `$/progress` and as `webSearch` events, are kept in the thread and
replayed; the turn goes on to its answer. Another provider is offered no web search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_e2e_exec_command import write_gpt55_config
from tests.support.lsp_client import Editor
from tests.support.model_server import Reply, ScriptedModelServer, Text, WebSearchCall

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).parents[1] / "fixtures" / "codex-0.169-tools.json"
SOURCE = "https://pygls.readthedocs.io/en/latest/changelog.html"


async def test_openai_provider_searches_the_web_and_answers(
    model: ScriptedModelServer, workspace: Path, codex_home: Path, editor_env: dict[str, str]
) -> None:
    (codex_home / "config.toml").write_text(
        f'model = "gpt-5.5"\nopenai_base_url = "{model.base_url}"\napproval_policy = "never"\n'
    )
    model.script(
        Reply(
            [WebSearchCall("pygls 2.0 release date", [SOURCE]), Text("pygls 2 is out.")], full=True
        ),
        Reply([Text("Still out.")]),
    )
    editor = Editor(workspace, {**editor_env, "OPENAI_API_KEY": "sk-test-web-search"})
    try:
        await editor.start()
        result = await editor.command("codex.runTask", {"prompt": "when did pygls 2 ship?"})
        assert result["status"] == "answered" and result["text"] == "pygls 2 is out.", result
        again = await editor.command("codex.runTask", {"prompt": "still?"})
        assert again["text"] == "Still out.", again
        events = list(editor.state.events)
        progress = json.dumps(editor.state.progress)
    finally:
        await editor.stop()
    body = model.requests[0].body
    assert body is not None
    recorded = [t for t in json.loads(FIXTURE.read_text())["gpt-5.5"] if t["type"] == "web_search"]
    assert [t for t in body["tools"] if t["type"] == "web_search"] == recorded
    searches = [e for e in events if e.get("type") == "webSearch"]
    assert [e["phase"] for e in searches] == ["begin", "end"], events
    end = searches[-1]
    assert end["query"] == "pygls 2.0 release date" and end["sources"] == [SOURCE]
    assert end["detail"] == "Searching the web: pygls 2.0 release date"
    assert "Searching the web: pygls 2.0 release date" in progress
    replay = model.requests[1].body
    assert replay is not None
    kept = [i for i in replay["input"] if i.get("type") == "web_search_call"]
    assert kept == [
        {
            "type": "web_search_call",
            "status": "completed",
            "action": {
                "type": "search",
                "query": "pygls 2.0 release date",
                "sources": [{"type": "url", "url": SOURCE}],
            },
        }
    ]


async def test_other_providers_get_no_web_search(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_gpt55_config(codex_home, model.base_url, 'web_search = "live"')
    model.script(Reply([Text("No search here.")]))
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "search something"})
    assert result["status"] == "answered", result
    body = model.requests[0].body
    assert body is not None and body["tools"], body
    assert not [t for t in body["tools"] if t.get("type") == "web_search"]
