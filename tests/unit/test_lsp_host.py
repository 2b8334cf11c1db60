"""`LspHost` in process: review -> decision -> apply, through the real `Client`.

Only the JSON-RPC connection is stood in for (`EditorConnection`): it records
what `session/client.py` sends (requests, notifications) and answers requests
as an editor does, from a script. The reviewed edit travels as a value from
`review_edit` to `apply_edit`, and what the prompt showed is what is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from pygls.exceptions import JsonRpcMethodNotFound

from codex_lsp import wire
from codex_lsp.core.protocol import (
    ApplyOutcome,
    EditProposal,
    FileEdit,
    ReviewDecision,
    ReviewedEdit,
)
from codex_lsp.core.workspace import Workspace
from codex_lsp.edits.hunks import apply_hunks
from codex_lsp.lsp.edits.approval_prompt import ApprovalPrompt
from codex_lsp.lsp.edits.host import LspHost
from codex_lsp.lsp.edits.pending_changes import PendingChanges
from codex_lsp.lsp.edits.reviewed_edit import EditorReview
from codex_lsp.lsp.edits.workspace_edits import ClientEditSupport
from codex_lsp.lsp.rpc.jsonrpc import CodexProtocol
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.documents import Documents
from codex_lsp.lsp.session.editor_capabilities import ClientCapabilities

OLD = "".join(f"line {i}\n" for i in range(20))
NEW = OLD.replace("line 2\n", "line two\n").replace("line 15\n", "line fifteen\n")
Answer = Callable[[Any], Any]


class EditorConnection:
    """The editor's end of the connection, as `Client` uses it: recorded, scripted answers."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, Any]] = []
        self.notifications: list[tuple[str, Any]] = []
        self.writer = None
        self.msg_id = None

    async def request(self, method: str, params: Any, timeout: float) -> Any:
        self.requests.append((method, params))
        answer = self.answers.get(method)
        if answer is None:
            raise JsonRpcMethodNotFound(f"Method Not Found: {method}")
        return answer(params)

    def send_raw_notification(self, method: str, params: Any) -> None:
        self.notifications.append((method, params))

    def sent(self, method: str) -> list[Any]:
        return [params for m, params in self.requests if m == method]


def _host(
    tmp_path: Path, answers: dict[str, Answer], codex_approval: bool = True
) -> tuple[LspHost, EditorConnection, PendingChanges]:
    connection = EditorConnection(answers)
    client = Client(cast(CodexProtocol, connection))
    client.caps = ClientCapabilities(edits=ClientEditSupport(), codex_approval=codex_approval)
    workspace = Workspace([tmp_path])
    documents = Documents(dict, lambda: workspace)
    prompt = ApprovalPrompt(client, documents.relative, lambda: 60.0, documents.uri_for)
    pending = PendingChanges(lambda paths: None, client.show_message)
    return LspHost(documents, client, prompt, {}, pending), connection, pending


def _proposal(path: Path, new: str = NEW) -> EditProposal:
    return EditProposal("t1", "Edit a.py", [FileEdit(path, "update", OLD, new)])


def _applied(params: Any) -> Any:
    return {"applied": True}


def _deciding_editor(tmp_path: Path, decision: Any) -> tuple[LspHost, EditorConnection, Path]:
    """An editor answering `codex/approveEdit` with `decision`, applying edits; a.py on disk."""
    path = tmp_path / "a.py"
    path.write_text(OLD)
    host, editor, _ = _host(
        tmp_path, {wire.APPROVE_EDIT: lambda p: decision, "workspace/applyEdit": _applied}
    )
    return host, editor, path


async def test_whole_approval_sends_the_workspace_edit_the_prompt_showed(tmp_path: Path) -> None:
    host, editor, path = _deciding_editor(tmp_path, {"decision": "approve"})

    reviewed = await host.review_edit(_proposal(path))
    outcome = await host.apply_edit(reviewed)

    [asked] = editor.sent(wire.APPROVE_EDIT)
    [sent] = editor.sent("workspace/applyEdit")
    assert outcome == ApplyOutcome(True)
    assert isinstance(reviewed, EditorReview) and reviewed.decision.decision == "approve"
    assert sent == {"label": "Edit a.py", "edit": asked["edit"]}
    assert sent["edit"] is reviewed.shown.plan.workspace_edit  # computed once, sent as shown
    assert [h["index"] for h in asked["files"][0]["hunks"]] == [0, 1]
    assert asked["files"][0]["diff"] == reviewed.shown.files[0].diff
    assert path.read_text() == OLD  # the editor applies it, not the server


async def test_a_narrowed_approval_sends_only_the_kept_hunk(tmp_path: Path) -> None:
    keep_second = {"decision": "approve", "hunks": {(tmp_path / "a.py").as_uri(): [1]}}
    host, editor, path = _deciding_editor(tmp_path, keep_second)

    reviewed = await host.review_edit(_proposal(path))
    assert reviewed.decision.hunks == {str(path): [1]}
    narrowed = replace(reviewed, approved=_proposal(path, apply_hunks(OLD, NEW, [1])))
    outcome = await host.apply_edit(narrowed)

    [sent] = editor.sent("workspace/applyEdit")
    [change] = sent["edit"]["documentChanges"]
    assert outcome == ApplyOutcome(True)
    assert [e["range"]["start"]["line"] for e in change["edits"]] == [15]


async def test_a_file_changed_after_the_review_is_not_sent(tmp_path: Path) -> None:
    host, editor, path = _deciding_editor(tmp_path, {"decision": "approve"})

    reviewed = await host.review_edit(_proposal(path))
    path.write_text(OLD + "typed meanwhile\n")
    outcome = await host.apply_edit(reviewed)

    assert outcome == ApplyOutcome(
        False, "a.py changed since the edit was proposed; nothing was written"
    )
    assert editor.sent("workspace/applyEdit") == []


async def test_an_editor_without_apply_edit_gets_closed_files_written(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(OLD)
    host, editor, _ = _host(tmp_path, {})  # MethodNotFound for everything

    outcome = await host.apply_edit(ReviewedEdit.unasked(_proposal(path)))

    assert outcome == ApplyOutcome(True)
    assert len(editor.sent("workspace/applyEdit")) == 1
    assert "workspace/applyEdit" in host.client.refused
    assert path.read_text() == NEW


async def test_an_edit_no_prompt_decided_waits_as_a_pending_change(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(OLD)
    host, editor, pending = _host(
        tmp_path, {"workspace/applyEdit": _applied}, codex_approval=False
    )

    review = asyncio.create_task(host.review_edit(_proposal(path)))
    for _ in range(100):  # the prompt is refused, then the change waits
        if pending.oldest_first():
            break
        await asyncio.sleep(0)
    change = pending.get(None)
    pending.decide(change.id, ReviewDecision("approve"))
    reviewed = await review
    outcome = await host.apply_edit(reviewed)

    assert [m for m, _ in editor.requests] == ["window/showMessageRequest", "workspace/applyEdit"]
    assert isinstance(reviewed, EditorReview) and reviewed.shown is change.reviewed
    assert editor.sent("workspace/applyEdit")[0]["edit"] is change.reviewed.plan.workspace_edit
    assert outcome == ApplyOutcome(True)


async def test_a_rejected_edit_is_a_decision_not_a_write(tmp_path: Path) -> None:
    host, editor, path = _deciding_editor(tmp_path, {"decision": "reject"})

    reviewed = await host.review_edit(_proposal(path))

    assert reviewed.decision.decision == "reject"
    assert editor.sent("workspace/applyEdit") == []
