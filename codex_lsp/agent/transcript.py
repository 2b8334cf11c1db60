"""What a person sees of a thread: its history as typed entries, and tool output for display.

A panel that resumes a thread shows more than the messages: the reasoning
summaries, each tool step with its output (a command's exit code), and the plan.
`transcript` turns the history (Responses API items, `core.items`) into those
entries; `describe_call` and `display_output` are shared with the live
`tool` events so a resumed thread looks like one just run.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, NotRequired, TypedDict

from codex_lsp.agent.attachments import split_images
from codex_lsp.agent.instructions import USER_INSTRUCTIONS_PREFIX
from codex_lsp.agent.tasks import context_labels, is_context
from codex_lsp.core.items import (
    CustomToolCallItem,
    FunctionCallItem,
    OutputContent,
    ResponseItem,
    message_text,
)
from codex_lsp.redact import redact
from codex_lsp.tools.web_search import describe_search

OUTPUT_CAP = 8000
"""Characters of a tool's output shown to the user (head and tail kept)."""
_EXIT_CODE = re.compile(r"\AExit code: (-?\d+)\n")
_EXEC_EXIT_CODE = re.compile(
    r"\AChunk ID: \w+\nWall time: [^\n]*\nProcess exited with code (-?\d+)\n"
)
"""`exec_command`/`write_stdin` output (Codex's unified exec layout)."""


class Entry(TypedDict):
    """One row of a transcript (`codex.resumeThread`'s `transcript`)."""

    kind: Literal["user", "assistant", "reasoning", "tool", "plan"]
    text: NotRequired[str]
    name: NotRequired[str]
    detail: NotRequired[str]
    callId: NotRequired[str]
    output: NotRequired[str]
    exitCode: NotRequired[int | None]
    plan: NotRequired[list[dict[str, str]]]
    explanation: NotRequired[str | None]
    chips: NotRequired[list[str]]
    """On a user entry: what was attached to it (`a.py`, `a.py:3-4`)."""


def describe_call(name: str, args: dict[str, Any]) -> str:
    """A one-line summary of a tool call (`shell pytest -q`, `apply_patch a.py, b.py`)."""
    if name == "apply_patch":
        files = [
            line.split(":", 1)[1].strip()
            for line in str(args.get("input", "")).splitlines()
            if line.startswith(("*** Update File:", "*** Add File:", "*** Delete File:"))
        ]
        return f"apply_patch {', '.join(files)}" if files else "apply_patch"
    for key in ("path", "pattern", "command", "cmd", "uri", "session_id"):
        if key in args:
            value = args[key]
            shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
            return f"{name} {shown[:120]}"
    return name


def display_output(output: str | list[OutputContent]) -> tuple[str, int | None]:
    """A tool's output as shown to the user (capped, credentials masked) and its exit code.

    The exit code is read from the shell tools' `Exit code: N` header (Codex's
    output shape, `sandbox.output.format_for_model`) or exec_command's `Process
    exited with code N`; None for other tools (and a command still running).
    Content items show as their text, an image as `[image]`.
    """
    if not isinstance(output, str):
        output = _content_text(output)
    match = _EXIT_CODE.match(output) or _EXEC_EXIT_CODE.match(output)
    code = int(match.group(1)) if match else None
    output = redact(output)  # before cutting: a cut credential would no longer match
    if len(output) > OUTPUT_CAP:
        head = OUTPUT_CAP // 4
        tail = OUTPUT_CAP - head
        cut = len(output) - OUTPUT_CAP
        output = f"{output[:head]}\n… {cut} characters not shown …\n{output[-tail:]}"
    return output, code


def _content_text(items: list[OutputContent]) -> str:
    """Content items as text: their text parts, `[image]` for each image."""
    return "\n".join(i["text"] if i["type"] == "input_text" else "[image]" for i in items)


def _arguments(item: FunctionCallItem | CustomToolCallItem) -> dict[str, Any]:
    if item["type"] == "custom_tool_call":
        return {"input": item["input"]}
    try:
        parsed = json.loads(item["arguments"] or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _call_entry(item: FunctionCallItem | CustomToolCallItem) -> Entry:
    name = item["name"]
    args = _arguments(item)
    if name == "update_plan" and isinstance(args.get("plan"), list):
        steps = [
            {"step": str(s.get("step", "")), "status": str(s.get("status", "pending"))}
            for s in args["plan"]
            if isinstance(s, dict)
        ]
        explanation = args.get("explanation")
        return {
            "kind": "plan",
            "plan": steps,
            "explanation": explanation if isinstance(explanation, str) else None,
        }
    return {
        "kind": "tool",
        "name": name,
        "detail": describe_call(name, args),
        "callId": item["call_id"],
    }


def transcript(history: list[ResponseItem]) -> list[Entry]:
    """The thread as a person reads it: messages, reasoning, tool steps with output, plans.

    Instructions (`system`/`developer` messages, AGENTS.md) are left out, attached
    context becomes the next user entry's `chips`; an output is put on its
    call's entry; the plan tool's "Plan updated" output is not shown.
    """
    entries: list[Entry] = []
    calls: dict[str, Entry] = {}
    attached: list[str] = []
    for item in history:
        if item["type"] == "message":
            if is_context(item):
                attached = context_labels(item)  # shown as the next message's chips
            elif item["role"] == "user" and message_text(item).startswith(
                USER_INSTRUCTIONS_PREFIX
            ):
                continue
            elif item["role"] in ("user", "assistant"):
                entry: Entry = {"kind": item["role"], "text": message_text(item)}
                if item["role"] == "user":
                    entry["text"], images = split_images(item)
                    attached += images
                if item["role"] == "user" and attached:
                    entry["chips"] = attached
                    attached = []
                entries.append(entry)
        elif item["type"] == "reasoning":
            text = "\n\n".join(part["text"] for part in item["summary"] if part["text"])
            if text:
                entries.append({"kind": "reasoning", "text": text})
        elif item["type"] == "web_search_call":
            entries.append({"kind": "tool", "name": "web_search", "detail": describe_search(item)})
        elif item["type"] == "function_call" or item["type"] == "custom_tool_call":
            entry = _call_entry(item)
            entries.append(entry)
            if entry["kind"] == "tool":
                calls[item["call_id"]] = entry
        else:
            call = calls.get(item["call_id"])
            if call is not None:
                output, code = display_output(item["output"])
                call["output"] = output
                call["exitCode"] = code
    return entries
