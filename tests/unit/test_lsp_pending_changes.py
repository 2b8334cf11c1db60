"""Pending changes in process: the real engine waits on `PendingChanges` as the LSP host does.

`PendingHost` is the in-process host (`FakeHost`) with its review answered the way
`LspHost` answers it when no prompt decided: by waiting on a pending change. The
diagnostics and code actions are checked as the JSON a client receives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

import pytest

from codex_lsp.agent import tasks
from codex_lsp.core.protocol import EditProposal, FileEdit, ReviewDecision
from codex_lsp.lsp.edits.pending_changes import NoPendingChange, PendingChanges
from codex_lsp.lsp.edits.reviewed_edit import EditorReview, ShownEdit
from codex_lsp.lsp.edits.workspace_edits import ClientEditSupport
from codex_lsp.lsp.features.pending_decisions import pending_actions
from tests.support.core_harness import EDIT, NEW, OLD, Core, edit_script, make_core
from tests.support.fake_host import FakeHost
from tests.support.scripted_model import ScriptedModel, call, reply, text

TWO_HUNKS_OLD = "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"
TWO_HUNKS_PATCH = """*** Begin Patch
*** Update File: two.py
@@
-a = 1
+a = 10
@@
 d = 4
+d2 = 4.5
 e = 5
*** End Patch"""


class Recorder:
    """What the pending changes told the client: files republished, messages shown."""

    def __init__(self) -> None:
        self.published: list[list[str]] = []
        self.messages: list[str] = []

    def publish(self, paths: Iterable[str]) -> None:
        self.published.append(sorted(paths))

    def notify(self, message: str) -> None:
        self.messages.append(message)


class PendingHost(FakeHost):
    """`FakeHost` whose reviews wait as pending changes (no prompt in this client)."""

    def __init__(self, pending: PendingChanges, timeout: float = 600.0) -> None:
        super().__init__()
        self.pending = pending
        self.timeout = timeout

    async def review_edit(self, proposal: EditProposal) -> EditorReview:
        self.calls.append(("review_edit", proposal))
        shown = ShownEdit.of(proposal, lambda p: p.name, ClientEditSupport())
        self.asking.set()
        try:
            summary = "edit " + proposal.files[0].path.name
            decision = await self.pending.wait(shown, summary, self.timeout)
        finally:
            self.asking.clear()
        return EditorReview(proposal, decision, shown=shown)


def setup(
    tmp_path: Path, model: ScriptedModel, timeout: float = 600.0
) -> tuple[Core, PendingChanges, Recorder]:
    recorder = Recorder()
    pending = PendingChanges(recorder.publish, recorder.notify)
    core = make_core(tmp_path, model, PendingHost(pending, timeout))
    return core, pending, recorder


async def test_the_turn_waits_until_the_change_is_approved(tmp_path: Path) -> None:
    core, pending, recorder = setup(tmp_path, edit_script())
    path = core.write("hello.py", OLD)
    turn = asyncio.create_task(core.agent.run(EDIT))
    await asyncio.wait_for(core.host.asking.wait(), 5)

    change = pending.get(None)
    assert recorder.published == [[str(path)]]
    assert recorder.messages == [
        'Codex proposes: edit hello.py. Apply it with the code action "Codex: Apply change" '
        "on a changed line, or run codex.approve (codex.reject to discard it)."
    ]
    [diag] = pending.diagnostics(str(path))
    assert diag == {
        "range": {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 0}},
        "severity": 3,
        "source": "codex",
        "code": "pending-change",
        "message": diag["message"],
        "data": {"changeId": change.id, "hunk": 0},
    }
    assert diag["message"].startswith("Codex proposes to replace 1 line with 1: return f'hello")
    assert core.read("hello.py") == OLD  # nothing is written while it waits

    pending.decide(None, ReviewDecision("approve"))
    result = await asyncio.wait_for(turn, 5)
    assert (result.status, result.changed_files) == ("applied", ["hello.py"])
    assert core.read("hello.py") == NEW
    assert pending.diagnostics(str(path)) == []
    assert recorder.published == [[str(path)], [str(path)]]  # cleared once decided


async def test_approving_one_hunk_applies_only_it(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(call("apply_patch", {"input": TWO_HUNKS_PATCH}, "c1")), reply(text("Done."))
    )
    core, pending, _ = setup(tmp_path, model)
    path = core.write("two.py", TWO_HUNKS_OLD)
    turn = asyncio.create_task(core.agent.run(tasks.run_task("two changes")))
    await asyncio.wait_for(core.host.asking.wait(), 5)

    diags = pending.diagnostics(str(path))
    assert [d["range"] for d in diags] == [
        {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}},
        {"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 0}},  # insertion
    ]
    assert "insert 1 line here: d2 = 4.5" in diags[1]["message"]
    change = pending.get(None)
    pending.decide(change.id, ReviewDecision("approve", change.hunks_only(str(path), 1)))
    result = await asyncio.wait_for(turn, 5)
    assert result.status == "applied"
    assert core.read("two.py") == "a = 1\nb = 2\nc = 3\nd = 4\nd2 = 4.5\ne = 5\n"


async def test_cancelling_the_turn_withdraws_the_change(tmp_path: Path) -> None:
    core, pending, recorder = setup(tmp_path, edit_script())
    path = core.write("hello.py", OLD)
    turn = asyncio.create_task(core.agent.run(EDIT))
    await asyncio.wait_for(core.host.asking.wait(), 5)
    change = pending.get(None)

    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await turn

    assert pending.describe() == []
    assert recorder.published[-1] == [str(path)]
    with pytest.raises(NoPendingChange, match="not waiting"):
        pending.decide(change.id, ReviewDecision("approve"))
    assert core.read("hello.py") == OLD


async def test_no_decision_in_time_rejects(tmp_path: Path) -> None:
    core, pending, recorder = setup(tmp_path, edit_script(), timeout=0.05)
    core.write("hello.py", OLD)
    result = await asyncio.wait_for(core.agent.run(EDIT), 5)
    assert result.status == "rejected"
    assert recorder.messages[-1] == "Codex: edit hello.py: No decision within 0.05s; edit rejected."
    assert pending.describe() == []
    assert core.read("hello.py") == OLD


async def test_newest_and_unknown_changes(tmp_path: Path) -> None:
    recorder = Recorder()
    pending = PendingChanges(recorder.publish, recorder.notify)
    with pytest.raises(NoPendingChange, match="No proposed change is waiting"):
        pending.get(None)
    a, b = _reviewed(tmp_path, "a.py", "t1"), _reviewed(tmp_path, "b.py", "t2")
    first = asyncio.create_task(pending.wait(a, "edit a.py", 5))
    second = asyncio.create_task(pending.wait(b, "edit b.py", 5))
    await asyncio.sleep(0)
    assert [c["threadId"] for c in pending.describe()] == ["t1", "t2"]
    assert pending.get(None).thread_id == "t2"  # no id: the newest
    pending.decide(None, ReviewDecision("reject", reason="no"))
    assert (await second).decision == "reject"
    pending.decide(None, ReviewDecision("approve"))
    assert (await first).decision == "approve"


async def test_code_actions_of_a_pending_change(tmp_path: Path) -> None:
    recorder = Recorder()
    pending = PendingChanges(recorder.publish, recorder.notify)
    reviewed = _reviewed(tmp_path, "two.py", "t1", TWO_HUNKS_OLD, "a = 10\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\n")
    waiting = asyncio.create_task(pending.wait(reviewed, "edit two.py", 5))
    await asyncio.sleep(0)
    path = str(tmp_path / "two.py")
    uri = (tmp_path / "two.py").as_uri()
    change_id = pending.get(None).id

    on_hunk = pending_actions(pending, path, uri, 0, 0)
    assert [a["title"] for a in on_hunk] == [
        "Codex: Apply change",
        "Codex: Apply this hunk",
        "Codex: Reject change",
        "Codex: Show diff",
    ]
    assert on_hunk[0]["isPreferred"] is True
    assert on_hunk[1]["command"] == {
        "title": "Codex: Apply this hunk",
        "command": "codex.approve",
        "arguments": [{"changeId": change_id, "uri": uri, "hunk": 0}],
    }
    assert all(a["kind"] == "quickfix" for a in on_hunk)
    elsewhere = pending_actions(pending, path, uri, 2, 2)
    assert [a["title"] for a in elsewhere] == [
        "Codex: Apply change", "Codex: Reject change", "Codex: Show diff"
    ]
    assert "isPreferred" not in elsewhere[0] and "diagnostics" not in elsewhere[0]
    whole_file = pending_actions(pending, path, uri, 0, 10)
    assert [a["title"] for a in whole_file if "hunk" in a["title"]] == [
        "Codex: Apply this hunk (line 1)", "Codex: Apply this hunk (line 6)"
    ]
    assert pending_actions(pending, None, "untitled:Untitled-1", 0, 0) == []
    assert pending_actions(pending, str(tmp_path / "other.py"), uri, 0, 0) == []
    pending.decide(None, ReviewDecision("reject"))
    await waiting
    assert pending_actions(pending, path, uri, 0, 0) == []


def _reviewed(
    root: Path, name: str, thread_id: str, old: str = "x = 1\n", new: str = "x = 2\n"
) -> ShownEdit:
    edit = FileEdit(root / name, "update", old, new, 1)
    proposal = EditProposal(thread_id, f"Codex: change {name}", [edit])
    return ShownEdit.of(proposal, lambda p: p.name, ClientEditSupport())
