"""Suite 4, document races: the user edits, saves, closes or deletes a file while the agent's
edit awaits approval or while `workspace/applyEdit` is in flight, and two commands edit one
file at once.

The rule under test: the user's text is never lost. An edit computed from older text is
refused (edits carry the document version, and the server compares texts before sending),
never applied over newer text; and the outcome is reported in the command result and in
the `turnFinished` codex/event. Scenarios share one server (each on its own file and a new
thread) so the suite stays fast.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.support.lsp_client import Editor, uri_path
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

ORIGINAL = "def greet(name):\n    return 'hi ' + name\n\n\nprint(greet('bob'))\n"
EDITED = ORIGINAL.replace("'hi '", "'hello '")
MINE = "print('my own rewrite')\n"
STALE = "changed since the edit was proposed"

OUTCOMES: Counter[str] = Counter()


def patch_call(body: str) -> FunctionCall:
    return FunctionCall("apply_patch", {"input": f"*** Begin Patch\n{body}*** End Patch\n"})


def update(name: str) -> FunctionCall:
    return patch_call(f"*** Update File: {name}\n@@\n-    return 'hi ' + name\n+    return 'hello ' + name\n")


def header(name: str) -> FunctionCall:
    """Adds lines above `footer`'s change: applied with stale line numbers, it would misplace it."""
    return patch_call(f"*** Update File: {name}\n@@\n+# header one\n+# header two\n def greet(name):\n")


def footer(name: str) -> FunctionCall:
    return patch_call(f"*** Update File: {name}\n@@\n-print(greet('bob'))\n+print(greet('eve'))\n")


def close(editor: Editor, uri: str) -> None:
    editor.state.docs.pop(uri)
    editor.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def save(editor: Editor, uri: str) -> None:
    uri_path(uri).write_text(editor.state.docs[uri].text)
    editor.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def assert_reported(editor: Editor, result: dict[str, Any], fragment: str) -> None:
    """The refusal is in the command result and in the turnFinished event, in words."""
    assert result["status"] == "failed", result
    assert fragment in result["error"], result
    events = [e for e in editor.state.events if e["type"] == "turnFinished" and e["threadId"] == result["threadId"]]
    assert events and events[-1]["status"] == "failed" and fragment in events[-1]["error"], events
    OUTCOMES["refused"] += 1


@dataclass
class Race:
    """One user action at one moment, and what must come of it."""

    name: str
    buffer: str | None  # buffer text if the file is open (None: closed)
    during_approval: Callable[[Editor, str, Path], None] | None = None
    during_apply: Callable[[Editor, str, Path], None] | None = None
    refused: str | None = None  # fragment of the refusal; None: the edit applies
    expect_text: str | None = None  # the user's text afterwards (buffer if open, else disk)


def type_line(ed: Editor, uri: str, path: Path) -> None:
    ed.type_text(uri, 4, 0, "# mine\n")


RACES = [
    Race("type during approval", ORIGINAL, type_line, None, STALE, ORIGINAL.replace("print(", "# mine\nprint(")),
    Race("save during approval", ORIGINAL, lambda ed, uri, p: save(ed, uri), None, None, EDITED),
    Race("close modified buffer during approval", ORIGINAL + "# unsaved\n", lambda ed, uri, p: close(ed, uri), None, STALE, ORIGINAL),
    Race("close clean buffer during approval", ORIGINAL, lambda ed, uri, p: close(ed, uri), None, None, EDITED),
    Race("delete during approval", None, lambda ed, uri, p: p.unlink(), None, "no longer exists", None),
    Race("rewrite on disk during approval", None, lambda ed, uri, p: p.write_text(MINE), None, STALE, MINE),
    Race("type while applyEdit in flight", ORIGINAL, None, type_line, "Edit not applied: version 1 != 2", ORIGINAL.replace("print(", "# mine\nprint(")),
]


def later(action: Callable[[Editor, str, Path], None] | None, ed: Editor, uri: str, path: Path) -> Callable[..., Awaitable[None]] | None:
    if action is None:
        return None

    async def run(*_: Any) -> None:
        action(ed, uri, path)
        await asyncio.sleep(0.05)  # let the server read the notification first

    return run


async def run_race(ed: Editor, model: ScriptedModelServer, workspace: Path, index: int, race: Race) -> None:
    name = f"race{index}.py"
    path = workspace / name
    path.write_text(ORIGINAL)
    uri = ed.open(name, race.buffer) if race.buffer is not None else path.as_uri()
    model.script(Reply([update(name)]), Reply([Text("done")]))
    ed.on_approval = later(race.during_approval, ed, uri, path)
    ed.on_apply = later(race.during_apply, ed, uri, path)
    ed.message_answers = ["Apply"]
    applies = len(ed.state.apply_edits)
    await ed.command("codex.newThread")
    result = await ed.command("codex.runTask", {"prompt": f"say hello in {name}"})
    if race.refused is None:
        assert result["status"] == "applied", (race.name, result)
        OUTCOMES["applied"] += 1
    else:
        assert_reported(ed, result, race.refused)
        if race.during_apply is None:
            assert len(ed.state.apply_edits) == applies, race.name  # refused before sending
    now = ed.state.docs[uri].text if uri in ed.state.docs else (path.read_text() if path.exists() else None)
    assert now == race.expect_text, (race.name, now)
    if race.during_apply is not None:
        sent = ed.state.apply_edits[-1]["edit"]["documentChanges"][0]["textDocument"]
        assert sent == {"uri": uri, "version": 1}, sent  # versioned, so the editor can refuse it


async def test_user_acts_during_approval_and_while_apply_edit_is_in_flight(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    await editor.start()
    for index, race in enumerate(RACES):
        model.reset()  # a refused edit leaves its "done" reply unused
        await run_race(editor, model, workspace, index, race)


async def test_two_commands_editing_one_file_never_interleave(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    """Both approvals are answered at once; the first applyEdit is held a moment."""
    await editor.start()

    async def both_asked() -> None:
        await editor.wait_for(lambda: len(editor.state.message_requests) % 2 == 0)

    editor.on_approval = both_asked
    for buffer in ("open", "closed"):
        name = f"both_{buffer}.py"
        path = workspace / name
        path.write_text(ORIGINAL)
        uri = editor.open(name) if buffer == "open" else path.as_uri()
        applies = len(editor.state.apply_edits)

        async def hold_first_apply(params: dict[str, Any], applies: int = applies) -> None:
            try:
                await editor.wait_for(lambda: len(editor.state.apply_edits) >= applies + 2, timeout=0.3)
            except TimeoutError:
                pass

        editor.on_apply = hold_first_apply
        model.script(Reply([header(name)]), Reply([footer(name)]), Reply([Text("done")]))
        editor.message_answers = ["Apply", "Apply"]
        results = await asyncio.gather(
            editor.command("codex.runTask", {"prompt": "add a header"}),
            editor.command("codex.runTask", {"prompt": "greet eve"}),
        )
        text = editor.state.docs[uri].text if buffer == "open" else path.read_text()
        assert sorted(r["status"] for r in results) == ["applied", "failed"], (buffer, results)
        with_header = "# header one\n# header two\n" + ORIGINAL
        with_footer = ORIGINAL.replace("greet('bob')", "greet('eve')")
        assert text in (with_header, with_footer), (buffer, text)
        refused = next(r for r in results if r["status"] == "failed")
        assert_reported(editor, refused, STALE)
        OUTCOMES["applied"] += 1


def test_figures() -> None:
    """Print the suite's figures (runs last in this file)."""
    print(f"FIGURES races: {sum(OUTCOMES.values())} race outcomes checked, "
          f"{OUTCOMES['refused']} stale edits refused and reported, {OUTCOMES['applied']} valid edits applied, "
          "0 user texts lost")
