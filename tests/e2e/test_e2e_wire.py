"""The OpenAI wire as Codex speaks it, end to end through the real server process.

A reasoning model's reasoning is replayed (without ids) across the steps and turns
of a thread under one `prompt_cache_key`; AGENTS.md lives in the input so the cached
prefix survives its edit; a freeform `apply_patch` call reaches the approval and
applies; usage and rate limits reach `codex.status`; a used-up plan says when it resets.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.lsp_client import Editor
from tests.support.model_server import (
    CustomCall,
    FunctionCall,
    HttpError,
    OtherItem,
    Reasoning,
    Reply,
    ScriptedModelServer,
    Text,
)

pytestmark = pytest.mark.e2e

PATCH = """*** Begin Patch
*** Update File: hello.py
@@ def greet(name):
-    return 'hi ' + name
+    return f"hello {name}"
*** End Patch
"""
LIMITS = {
    "x-codex-primary-used-percent": "12.5",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-at": "1900000000",
}


def _reasoning_config(codex_home: Path, model: ScriptedModelServer) -> None:
    text = (codex_home / "config.toml").read_text().replace('"test-model"', '"gpt-5.5"')
    (codex_home / "config.toml").write_text(text)


def _types(body: dict[str, Any]) -> list[str]:
    return [i.get("type", "") for i in body["input"]]


async def test_reasoning_is_replayed_in_place_under_one_cache_key(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    _reasoning_config(codex_home, model)
    model.script(
        Reply(
            [
                Reasoning(["Reading hello.py."], "enc-A"),
                FunctionCall("read_file", {"path": "hello.py"}, "r1"),
            ],
            full=True,
        ),
        Reply([Reasoning(["Answering."], "enc-B"), Text("It greets."), OtherItem()], full=True),
        Reply([Text("Still greets.")]),
    )
    await editor.start()
    first = await editor.command("codex.ask", {"prompt": "what does greet do?"})
    assert first["status"] == "answered" and first["text"] == "It greets.", first
    await editor.command("codex.ask", {"prompt": "and now?"})
    bodies = [r.body for r in model.requests]
    assert all(b is not None for b in bodies)
    key = first["threadId"]
    assert [b["prompt_cache_key"] for b in bodies] == [key, key, key]
    assert all(r.headers["session-id"] == r.headers["thread-id"] == key for r in model.requests)
    assert bodies[0]["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert bodies[0]["include"] == ["reasoning.encrypted_content"]
    # Step 2 replays the reasoning right before the call it led to, without its id.
    assert _types(bodies[1])[-3:] == ["reasoning", "function_call", "function_call_output"]
    replayed = bodies[1]["input"][-3]
    assert replayed == {
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": "Reading hello.py."}],
        "encrypted_content": "enc-A",
    }
    # The next turn carries both reasoning items in order; no item has an id.
    assert _types(bodies[2]) == [
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
        "reasoning",
        "message",
        "message",
    ]
    assert all("id" not in item for b in bodies for item in b["input"])
    # Each request extends the previous one: the whole earlier input is an unchanged prefix.
    assert bodies[1]["input"][: len(bodies[0]["input"])] == bodies[0]["input"]
    assert bodies[2]["input"][: len(bodies[1]["input"])] == bodies[1]["input"]
    # The thinking was shown apart from the answer.
    thinking = "".join(e["delta"] for e in editor.state.events if e.get("type") == "reasoning")
    assert "Reading hello.py." in thinking and "Reading" not in editor.text_events()
    reports = [p["value"].get("message") for p in editor.state.progress]
    assert "Thinking…" in reports
    ua = model.requests[0].headers["user-agent"]  # Codex's shape, codex-lsp and the editor last
    assert ua.startswith("codex_cli_rs/0.169.0 (") and ua.endswith("; test-editor/1.2)")
    assert model.requests[0].headers["originator"] == "codex_cli_rs"
    assert model.requests[0].headers["version"] == "0.169.0"


async def test_cached_prefix_survives_an_agents_md_edit(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    (workspace / "AGENTS.md").write_text("Use tabs.\n")
    model.script(Reply([Text("One.")]), Reply([Text("Two.")]))
    await editor.start()
    await editor.command("codex.ask", {"prompt": "first"})
    (workspace / "AGENTS.md").write_text("Use spaces.\n")
    await editor.command("codex.newThread")
    await editor.command("codex.ask", {"prompt": "second"})
    one, two = (r.body for r in model.requests)
    assert one is not None and two is not None
    # Same instructions and tools: the prefix a new thread shares with the last one.
    assert one["instructions"] == two["instructions"]
    assert one["tools"] == two["tools"]
    assert "Use spaces." in two["input"][0]["content"][0]["text"]


async def test_freeform_apply_patch_reaches_the_approval_and_applies(
    editor: Editor, model: ScriptedModelServer, codex_home: Path, workspace: Path
) -> None:
    _reasoning_config(codex_home, model)
    model.script(
        Reply([Reasoning(), CustomCall("apply_patch", PATCH, "p1")], full=True),
        Reply([Text("Done.")]),
    )
    await editor.start()
    uri = editor.open("hello.py")
    editor.message_answers = ["Apply"]
    result = await editor.command("codex.runTask", {"prompt": "use an f-string", "uri": uri})
    assert result["status"] == "applied", result
    assert 'return f"hello {name}"' in editor.state.docs[uri].text
    tools = {t["name"]: t for t in model.requests[0].body["tools"]}
    assert tools["apply_patch"]["type"] == "custom"
    assert tools["apply_patch"]["format"]["syntax"] == "lark"
    second = model.requests[1].body["input"]
    call, output = second[-2:]
    assert call == {
        "type": "custom_tool_call",
        "call_id": "p1",
        "name": "apply_patch",
        "input": PATCH,
    }
    assert output["type"] == "custom_tool_call_output" and output["call_id"] == "p1"
    assert output["output"].startswith("Success. Updated the following files:")


async def test_usage_and_rate_limits_reach_status(
    editor: Editor, model: ScriptedModelServer
) -> None:
    usage = {
        "input_tokens": 1000,
        "input_tokens_details": {"cached_tokens": 900},
        "output_tokens": 50,
        "output_tokens_details": {"reasoning_tokens": 20},
    }
    model.script(Reply([Text("A.")], usage=usage, headers=LIMITS), Reply([Text("B.")], usage=usage))
    await editor.start()
    first = await editor.command("codex.ask", {"prompt": "a"})
    assert first["usage"]["cachedTokens"] == 900 and first["usage"]["requests"] == 1
    await editor.command("codex.ask", {"prompt": "b"})
    status = await editor.command("codex.status")
    assert status["usage"] == {
        "inputTokens": 2000,
        "cachedTokens": 1800,
        "outputTokens": 100,
        "reasoningTokens": 40,
        "totalTokens": 2100,
        "requests": 2,
    }
    primary = {"usedPercent": 12.5, "windowMinutes": 300, "resetsAt": 1900000000}
    assert status["rateLimits"] == {"primary": primary}
    events = [e for e in editor.state.events if e.get("type") == "rateLimits"]
    assert events and events[0]["windows"] == {"primary": primary}


async def test_usage_limit_reached_gives_one_message_and_no_retry(
    editor: Editor, model: ScriptedModelServer
) -> None:
    resets = int(time.time()) + 2 * 3600
    body = {"error": {"type": "usage_limit_reached", "plan_type": "pro", "resets_at": resets}}
    model.script(HttpError(429, body), Reply([Text("never")]))
    await editor.start()
    result = await editor.command("codex.ask", {"prompt": "hi"})
    assert result["status"] == "failed"
    assert result["error"].startswith("You've hit your usage limit (pro plan). It resets at ")
    assert result["error"].endswith("(local time).")
    assert len(model.requests) == 1
    notices = [e for e in editor.state.events if e.get("type") == "notice"]
    assert not [n for n in notices if "retry" in n.get("message", "").lower()]
