"""A thread's history as a conversation view shows it (`codex.resumeThread`'s `transcript`)."""

from __future__ import annotations

import json

from codex_lsp.agent.transcript import display_output, transcript
from codex_lsp.core.items import (
    ResponseItem,
    assistant_message,
    custom_tool_call,
    custom_tool_call_output,
    function_call,
    function_call_output,
    user_message,
)

PLAN = {"plan": [{"step": "Read", "status": "completed"}, {"step": "Fix", "status": "pending"}]}


def test_messages_reasoning_tools_and_plans_become_typed_entries() -> None:
    history: list[ResponseItem] = [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "x"}]},
        user_message("fix the test"),
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Look first."}]},
        function_call("p1", "update_plan", json.dumps(PLAN)),
        function_call_output("p1", "Plan updated"),
        function_call("s1", "shell", json.dumps({"command": ["pytest", "-q"]})),
        function_call_output("s1", "Exit code: 1\nWall time: 0.2 seconds\nOutput:\nFAILED\n"),
        custom_tool_call("a1", "apply_patch", "*** Begin Patch\n*** Update File: a.py\n"),
        custom_tool_call_output("a1", "Applied."),
        assistant_message("Fixed."),
    ]

    assert transcript(history) == [
        {"kind": "user", "text": "fix the test"},
        {"kind": "reasoning", "text": "Look first."},
        {"kind": "plan", "plan": PLAN["plan"], "explanation": None},
        {
            "kind": "tool",
            "name": "shell",
            "detail": "shell pytest -q",
            "callId": "s1",
            "output": "Exit code: 1\nWall time: 0.2 seconds\nOutput:\nFAILED\n",
            "exitCode": 1,
        },
        {
            "kind": "tool",
            "name": "apply_patch",
            "detail": "apply_patch a.py",
            "callId": "a1",
            "output": "Applied.",
            "exitCode": None,
        },
        {"kind": "assistant", "text": "Fixed."},
    ]


def test_bad_arguments_and_orphan_outputs_do_not_break_the_transcript() -> None:
    history: list[ResponseItem] = [
        function_call("b1", "read_file", "{not json"),
        function_call_output("zz", "no call for this"),
        {"type": "reasoning", "summary": []},
    ]

    assert transcript(history) == [
        {"kind": "tool", "name": "read_file", "detail": "read_file", "callId": "b1"}
    ]


def test_long_output_keeps_head_and_tail() -> None:
    text = "Exit code: 0\n" + "a" * 3000 + "b" * 20000 + "END"
    shown, code = display_output(text)
    assert code == 0
    assert shown.startswith("Exit code: 0\naaa") and shown.endswith("bbbEND")
    assert "characters not shown" in shown and len(shown) < 8100
