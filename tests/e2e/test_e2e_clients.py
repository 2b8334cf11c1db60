"""The core scenarios in every editor, with the capabilities that editor really sends.

Each case starts the real server with one editor's `initialize` params
(tests/support/clients/*.json), answers the server's requests as that editor does
(what it lacks gets MethodNotFound), works only through code actions and commands the
way a user of a plain LSP client can, and checks what the user would see: the edit in
the buffer, a message or document, diagnostics. Prints a client x scenario table
(`FIGURES clients: ...`, shown with `-s` or `-rP`).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import write_config
from tests.e2e.test_e2e_review import finding, review_reply
from tests.support.clients import CLIENT_NAMES, ClientProfile, load_client
from tests.support.lsp_client import uri_path
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text
from tests.support.profiled_editor import ProfiledEditor

pytestmark = pytest.mark.e2e

GREET = "# codex: use an f-string\ndef greet(name):\n    return 'hi ' + name\n"
NEW_LINE = '    return f"hi {name}"'
PATCH = (
    "*** Begin Patch\n*** Update File: greet.py\n@@ def greet(name):\n"
    f"-    return 'hi ' + name\n+{NEW_LINE}\n*** End Patch\n"
)
SELECTION = ((0, 0), (3, 0))
ANSWER = "greet joins 'hi ' and the name."
FINDING = "Guard against None name"

SCENARIOS = ("edit", "explain", "fix", "review", "approve", "reject", "command", "failure")

RESULTS: dict[tuple[str, str], str] = {}


def expected_gap(profile: ClientProfile, scenario: str) -> str | None:
    """Why a case cannot pass yet (it is then marked xfail), or None: none known today."""
    return None


def cases() -> Iterator[Any]:
    for name in CLIENT_NAMES:
        profile = load_client(name)
        for scenario in SCENARIOS:
            marks: list[Any] = []
            if profile is None:
                reason = f"tests/support/clients/{name}.json is not there"
                marks.append(pytest.mark.skip(reason=reason))
            elif (gap := expected_gap(profile, scenario)) is not None:
                marks.append(pytest.mark.xfail(strict=False, reason=gap))
            yield pytest.param(name, scenario, marks=marks, id=f"{name}-{scenario}")


# ---- acting as the user ------------------------------------------------------------------


async def run(editor: ProfiledEditor, command: dict[str, Any]) -> dict[str, Any]:
    """Run a code action's command the way every editor does: `workspace/executeCommand`."""
    result: dict[str, Any] = await editor.command(
        command["command"], *command.get("arguments", []), timeout=60
    )
    return result


async def action(
    editor: ProfiledEditor, uri: str, start: tuple[int, int], end: tuple[int, int], title: str
) -> dict[str, Any]:
    actions = await editor.code_actions(uri, start, end)
    found = [a for a in actions if a["title"].startswith(title)]
    assert found, f"no {title!r} among {[a['title'] for a in actions]}"
    return found[0]


async def pending_action(
    editor: ProfiledEditor, uri: str, title: str, turn: asyncio.Future[dict[str, Any]]
) -> dict[str, Any]:
    """Wait for the code action offering the pending change (the turn waits meanwhile)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while loop.time() < deadline:
        if turn.done():
            raise AssertionError(f"the turn ended without offering {title!r}: {turn.result()}")
        actions = await editor.code_actions(uri, (0, 0), (3, 0))
        found = [a for a in actions if a["title"].startswith(title)]
        if found:
            return found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{title!r} never offered")


async def decide(
    editor: ProfiledEditor, uri: str, command: dict[str, Any], apply: bool, *, prompt: bool
) -> dict[str, Any]:
    """Run a command that proposes a change and decide on it as this editor's user can:
    in the prompt when it has one (and `prompt`), else through the pending-change
    code actions (after dismissing the prompt, if any)."""
    profile = editor.profile
    if prompt and profile.prompts:
        editor.message_answers = ["Apply" if apply else "Reject"]
        return await run(editor, command)
    editor.message_answers = [None]  # the prompt, if any, is dismissed
    turn = asyncio.ensure_future(run(editor, command))
    title = "Codex: Apply change" if apply else "Codex: Reject change"
    try:
        offered = await pending_action(editor, uri, title, turn)
        await run(editor, offered["command"])
        return await asyncio.wait_for(turn, 60)
    finally:
        turn.cancel()


def seen(editor: ProfiledEditor, text: str) -> bool:
    """Did `text` reach the user: a document the editor opened, or a shown message?"""
    for shown in editor.state.shown_documents:
        path = uri_path(shown["uri"])
        if path.is_file() and text in path.read_text(encoding="utf-8"):
            return True
    return editor.profile.shows_messages and any(text in m["message"] for m in editor.state.messages)


# ---- scenarios -----------------------------------------------------------------------------


async def edit_selection(editor: ProfiledEditor, model: ScriptedModelServer, uri: str) -> None:
    model.script(Reply([FunctionCall("apply_patch", {"input": PATCH})]), Reply([Text("Done.")]))
    edit = await action(editor, uri, *SELECTION, "Codex: Edit selection")
    result = await decide(editor, uri, edit["command"], True, prompt=True)
    assert editor.state.docs[uri].text.splitlines()[2] == NEW_LINE, result


async def explain(editor: ProfiledEditor, model: ScriptedModelServer, uri: str) -> None:
    model.script(Reply([Text(ANSWER)]))
    await run(editor, (await action(editor, uri, *SELECTION, "Codex: Explain"))["command"])
    assert seen(editor, ANSWER), (editor.state.shown_documents, editor.state.messages)


async def review_findings(editor: ProfiledEditor, uri: str) -> list[dict[str, Any]]:
    await run(editor, (await action(editor, uri, *SELECTION, "Codex: Review this file"))["command"])
    await editor.wait_for(lambda: bool(editor.state.diagnostics.get(uri)))
    return editor.state.diagnostics[uri]


async def review(editor: ProfiledEditor, model: ScriptedModelServer, uri: str) -> None:
    model.script(review_reply(finding(FINDING, 3, 3, path="greet.py")))
    [diag] = await review_findings(editor, uri)
    assert diag["source"] == "codex" and diag["range"]["start"]["line"] == 2
    assert diag["message"].startswith(f"[P1] {FINDING}")


async def fix(editor: ProfiledEditor, model: ScriptedModelServer, uri: str) -> None:
    model.script(
        review_reply(finding(FINDING, 3, 3, path="greet.py")),
        Reply([FunctionCall("apply_patch", {"input": PATCH})]),
        Reply([Text("Fixed.")]),
    )
    await review_findings(editor, uri)
    quickfix = await action(editor, uri, (2, 4), (2, 4), f"Codex: Fix: {FINDING}")
    result = await decide(editor, uri, quickfix["command"], True, prompt=True)
    assert editor.state.docs[uri].text.splitlines()[2] == NEW_LINE, result
    await editor.wait_for(
        lambda: not any(FINDING in d["message"] for d in editor.state.diagnostics.get(uri, []))
    )


async def approve_later(editor: ProfiledEditor, model: ScriptedModelServer, uri: str) -> None:
    """A change not approved in a prompt stays pending; its code action applies it."""
    model.script(Reply([FunctionCall("apply_patch", {"input": PATCH})]), Reply([Text("Done.")]))
    edit = await action(editor, uri, *SELECTION, "Codex: Edit selection")
    result = await decide(editor, uri, edit["command"], True, prompt=False)
    assert editor.state.docs[uri].text.splitlines()[2] == NEW_LINE, result


async def reject(editor: ProfiledEditor, model: ScriptedModelServer, uri: str) -> None:
    model.script(Reply([FunctionCall("apply_patch", {"input": PATCH})]), Reply([Text("Left it.")]))
    edit = await action(editor, uri, *SELECTION, "Codex: Edit selection")
    result = await decide(editor, uri, edit["command"], False, prompt=True)
    assert editor.state.docs[uri].text == GREET and editor.state.apply_edits == [], result
    titles = [a["title"] for a in await editor.code_actions(uri, (0, 0), (3, 0))]
    assert not any(t.startswith("Codex: Apply change") for t in titles), titles


async def allow_command(editor: ProfiledEditor, model: ScriptedModelServer, uri: str) -> None:
    """`approval_policy = "untrusted"`: a shell command runs once the user allows it, in
    the prompt where there is one, else from the code action in the document."""
    made = editor.workspace / "made.txt"
    model.script(Reply([FunctionCall("shell", {"command": ["touch", str(made)]})]),
                 Reply([Text("Made it.")]))
    edit = await action(editor, uri, *SELECTION, "Codex: Edit selection")
    if editor.profile.prompts:
        editor.message_answers = ["Run"]
        result = await run(editor, edit["command"])
        asked = [m["message"] for m in editor.state.message_requests]
        assert any(m.startswith("Codex wants to run the command: touch") for m in asked), asked
    else:
        turn = asyncio.ensure_future(run(editor, edit["command"]))
        try:
            allow = await pending_action(editor, uri, "Codex: Allow command", turn)
            await run(editor, allow["command"])
            result = await asyncio.wait_for(turn, 60)
        finally:
            turn.cancel()
    assert result["status"] == "answered" and made.exists(), result
    body = model.requests[1].body
    assert body is not None
    [output] = [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    assert output.startswith("Exit code: 0"), output


async def failure(editor: ProfiledEditor, model: ScriptedModelServer, uri: str) -> None:
    """The model is unreachable: the failed Explain reaches the user as an error message."""
    result = await run(editor, (await action(editor, uri, *SELECTION, "Codex: Explain"))["command"])
    assert result["status"] == "failed", result
    await editor.wait_for(lambda: any(m["type"] == 1 for m in editor.state.messages), timeout=3)


RUNS: dict[str, Callable[[ProfiledEditor, ScriptedModelServer, str], Awaitable[None]]] = {
    "edit": edit_selection,
    "explain": explain,
    "fix": fix,
    "review": review,
    "approve": approve_later,
    "reject": reject,
    "command": allow_command,
    "failure": failure,
}


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the model is unreachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture(scope="module", autouse=True)
def print_table() -> Iterator[None]:
    yield
    if RESULTS:
        print("\n" + table())


def table() -> str:
    """The client x scenario table, Markdown, with the figures line first."""
    counts = {v: list(RESULTS.values()).count(v) for v in ("ok", "ok (xpass)", "gap", "FAIL")}
    rows = [
        f"FIGURES clients: {len({c for c, _ in RESULTS})} clients x {len(SCENARIOS)} scenarios: "
        f"{counts['ok'] + counts['ok (xpass)']} ok, {counts['gap']} known gaps (xfail), "
        f"{counts['FAIL']} failures",
        "| client | " + " | ".join(SCENARIOS) + " |",
        "|---" * (len(SCENARIOS) + 1) + "|",
    ]
    for name in CLIENT_NAMES:
        cells = [RESULTS.get((name, s), "skipped") for s in SCENARIOS]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


@pytest.mark.parametrize(("client_name", "scenario"), list(cases()))
async def test_scenario_in_client(
    client_name: str,
    scenario: str,
    workspace: Path,
    editor_env: dict[str, str],
    codex_home: Path,
    model: ScriptedModelServer,
) -> None:
    profile = load_client(client_name)
    assert profile is not None
    gap = expected_gap(profile, scenario)
    (workspace / "greet.py").write_text(GREET)
    if scenario == "failure":
        write_config(codex_home, closed_port_url())
    if scenario == "command":
        policy = 'approval_policy = "untrusted"\nsandbox_mode = "danger-full-access"'
        write_config(codex_home, model.base_url, policy)
    editor = ProfiledEditor(workspace, editor_env, profile)
    try:
        await editor.start_as_editor()
        uri = editor.open("greet.py")
        await RUNS[scenario](editor, model, uri)
    except BaseException:
        RESULTS[(client_name, scenario)] = "gap" if gap else "FAIL"
        raise
    finally:
        await editor.stop()
    RESULTS[(client_name, scenario)] = "ok (xpass)" if gap else "ok"
