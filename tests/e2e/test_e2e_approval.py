"""Approval flows: Show diff, codex/approveEdit with hunks, session approval, file ops,
bad patches, stale edits, paths outside the workspace, timeouts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.conftest import write_config
from tests.support.lsp_client import MESSAGE_REQUESTS, Editor, uri_path
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}


def patch_call(body: str) -> FunctionCall:
    return FunctionCall("apply_patch", {"input": f"*** Begin Patch\n{body}*** End Patch\n"})


UPDATE = "*** Update File: hello.py\n@@\n-    return 'hi ' + name\n+    return 'hello ' + name\n"


async def test_show_diff_then_apply(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Reply([patch_call(UPDATE)]), Reply([Text("ok")]))
    await editor.start()
    uri = editor.open("hello.py")
    editor.message_answers = ["Show diff", "Apply"]
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "x"})
    assert result["status"] == "applied"
    assert len(editor.state.message_requests) == 2
    assert [a["title"] for a in editor.state.message_requests[0]["actions"]] == ["Apply", "Show diff", "Reject"]
    shown = uri_path(editor.state.shown_documents[0]["uri"])
    assert shown.suffix == ".diff"
    assert shown.read_text() == (
        "--- a/hello.py\n+++ b/hello.py\n@@ -1,5 +1,5 @@\n def greet(name):\n"
        "-    return 'hi ' + name\n+    return 'hello ' + name\n \n \n print(greet('bob'))\n"
    )
    assert "return 'hello ' + name" in editor.state.docs[uri].text


async def test_codex_approve_edit_accepts_a_subset_of_hunks(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    body = (
        "*** Update File: hello.py\n@@\n def greet(name):\n-    return 'hi ' + name\n+    return 'hey ' + name\n"
        "@@\n-print(greet('bob'))\n+print(greet('alice'))\n"
    )
    model.script(Reply([patch_call(body)]), Reply([Text("done")]))
    await editor.start(codex_approval=True)
    uri = editor.open("hello.py")
    editor.approve_answers = [{"decision": "approve", "hunks": {uri: [1]}}]
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "x"})
    assert result["status"] == "applied"
    request = editor.state.approve_edits[0]
    assert request["threadId"] == result["threadId"]
    file = request["files"][0]
    assert (file["uri"], file["path"], file["kind"]) == (uri, "hello.py", "update")
    assert [h["index"] for h in file["hunks"]] == [0, 1]
    assert file["diff"].startswith("--- a/hello.py\n+++ b/hello.py\n")
    assert request["edit"]["documentChanges"][0]["textDocument"] == {"uri": uri, "version": 1}
    text = editor.state.docs[uri].text
    assert "return 'hi ' + name" in text and "greet('alice')" in text
    assert editor.state.message_requests == []
    # The model is told exactly which hunks exist now (issue 9, defect 4).
    body = model.requests[1].body
    assert body is not None
    output = [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    assert output == [
        "Partly applied: the user accepted only some of this patch. Rejected hunks are NOT in "
        "the files; the files now hold exactly what is listed below.\n"
        "M hello.py: 1 of 2 hunks applied\n"
        "  hunk 1: rejected; lines 2-2 are unchanged:\n"
        "    |    return 'hi ' + name\n"
        "  hunk 2: applied; now lines 5-5\n"
    ]


@pytest.mark.parametrize("approval", [True, {"fullTexts": True}])
async def test_an_update_is_sent_without_its_texts_unless_the_client_asks(
    editor: Editor, model: ScriptedModelServer, approval: bool | dict[str, bool]
) -> None:
    """The client has the old text and the hunks; a big file's texts would be most of the message."""
    model.script(Reply([patch_call(UPDATE)]), Reply([Text("done")]))
    await editor.start(codex_approval=approval)
    uri = editor.open("hello.py")
    before = editor.state.docs[uri].text
    editor.approve_answers = [{"decision": "approve"}]
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "x"})
    assert result["status"] == "applied"
    [file] = editor.state.approve_edits[0]["files"]
    assert [h["index"] for h in file["hunks"]] == [0]
    if approval is True:
        assert (file["oldText"], file["newText"]) == (None, None)
    else:
        assert (file["oldText"], file["newText"]) == (before, editor.state.docs[uri].text)


async def test_approve_for_session_stops_asking_for_that_file(
    editor: Editor, model: ScriptedModelServer
) -> None:
    second = "*** Update File: hello.py\n@@\n-print(greet('bob'))\n+print(greet('eve'))\n"
    model.script(
        Reply([patch_call(UPDATE)]),
        Reply([patch_call(second)]),
        Reply([Text("both done")]),
    )
    await editor.start(codex_approval=True)
    uri = editor.open("hello.py")
    editor.approve_answers = [{"decision": "approveForSession"}]
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "x"})
    assert result["status"] == "applied"
    assert len(editor.state.approve_edits) == 1
    assert len(editor.state.apply_edits) == 2
    assert "greet('eve')" in editor.state.docs[uri].text


async def test_add_delete_and_move_files(editor: Editor, model: ScriptedModelServer, workspace: Path) -> None:
    (workspace / "old.py").write_text("x = 1\n")
    (workspace / "moveme.py").write_text("a = 1\nb = 2\n")
    body = (
        "*** Add File: pkg/new.py\n+def new():\n+    return 1\n"
        "*** Delete File: old.py\n"
        "*** Update File: moveme.py\n*** Move to: moved.py\n@@\n a = 1\n-b = 2\n+b = 3\n"
    )
    model.script(Reply([patch_call(body)]), Reply([Text("files rearranged")]))
    await editor.start()
    editor.message_answers = ["Apply"]
    result = await editor.command("codex.runTask", {"prompt": "rearrange"})
    assert result["status"] == "applied", result
    changes = editor.state.apply_edits[0]["edit"]["documentChanges"]
    kinds = [c.get("kind", "edit") for c in changes]
    assert kinds == ["create", "edit", "delete", "edit", "rename"]
    assert (workspace / "pkg/new.py").read_text() == "def new():\n    return 1\n"
    assert not (workspace / "old.py").exists()
    assert not (workspace / "moveme.py").exists()
    assert (workspace / "moved.py").read_text() == "a = 1\nb = 3\n"
    assert sorted(result["changedFiles"]) == ["moved.py", "old.py", "pkg/new.py"]


async def test_without_resource_operations_the_server_writes_new_files_itself(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    from lsprotocol import types

    model.script(Reply([patch_call("*** Add File: made.txt\n+hello\n")]), Reply([Text("ok")]))
    caps = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
        ),
        window=types.WindowClientCapabilities(show_message=MESSAGE_REQUESTS),
    )
    await editor.start(capabilities=caps)
    editor.message_answers = ["Apply"]
    result = await editor.command("codex.runTask", {"prompt": "make a file"})
    assert result["status"] == "applied"
    assert (workspace / "made.txt").read_text() == "hello\n"
    assert editor.state.apply_edits == []


async def test_context_mismatch_is_reported_and_nothing_applied(
    editor: Editor, model: ScriptedModelServer, workspace: Path
) -> None:
    bad = "*** Update File: hello.py\n@@\n-    return 'nope'\n+    return 'x'\n"
    model.script(Reply([patch_call(bad)]), Reply([Text("I could not apply the patch.")]))
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "edit"})
    assert result["status"] == "answered"
    assert editor.state.apply_edits == [] and editor.state.message_requests == []
    output = [i for i in model.requests[1].body["input"] if i.get("type") == "function_call_output"]
    assert output[0]["output"].startswith("Error: patch did not apply, nothing was changed: hello.py")
    assert "return 'hi ' + name" in (workspace / "hello.py").read_text()
    notices = [e for e in editor.state.events if e["type"] == "notice"]
    assert notices and "did not apply" in notices[0]["message"]


@pytest.mark.parametrize("target", ["../outside.py", "/tmp/codex-lsp-abs.py", "link/escape.py"])
async def test_paths_outside_the_workspace_are_refused(
    editor: Editor, model: ScriptedModelServer, workspace: Path, tmp_path: Path, target: str
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (workspace / "link").symlink_to(outside)
    model.script(Reply([patch_call(f"*** Add File: {target}\n+evil\n")]), Reply([Text("refused")]))
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "write outside"})
    assert result["status"] == "answered"
    assert editor.state.apply_edits == [] and editor.state.message_requests == []
    output = [i for i in model.requests[1].body["input"] if i.get("type") == "function_call_output"]
    assert "outside the workspace" in output[0]["output"]
    assert not (tmp_path / "outside.py").exists()
    assert not (outside / "escape.py").exists()
    assert not Path("/tmp/codex-lsp-abs.py").exists()


async def test_stale_edit_is_refused_when_the_user_types_during_approval(
    editor: Editor, model: ScriptedModelServer
) -> None:
    model.script(Reply([patch_call(UPDATE)]))
    await editor.start()
    uri = editor.open("hello.py")

    async def user_types() -> None:
        editor.type_text(uri, 4, 0, "# my own change\n")
        await asyncio.sleep(0.2)

    editor.on_approval = user_types
    editor.message_answers = ["Apply"]
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "x"})
    assert result["status"] == "failed"
    assert "changed since the edit was proposed" in result["error"]
    assert editor.state.apply_edits == []
    text = editor.state.docs[uri].text
    assert "# my own change" in text and "return 'hi ' + name" in text


async def test_client_refusing_the_edit_reports_failed(editor: Editor, model: ScriptedModelServer) -> None:
    model.script(Reply([patch_call(UPDATE)]))
    await editor.start()
    uri = editor.open("hello.py")
    editor.message_answers = ["Apply"]
    editor.apply_result = lambda params: {"applied": False, "failureReason": "document is read-only"}
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "x"})
    assert result.pop("usage")["requests"] == 1
    assert result == {
        "status": "failed",
        "threadId": result["threadId"],
        "text": "",
        "changedFiles": [],
        "error": "Edit not applied: document is read-only",
    }


async def test_instruction_from_codex_comment(editor: Editor, model: ScriptedModelServer, workspace: Path) -> None:
    (workspace / "c.py").write_text("# codex: make it shout\ndef f():\n    return 'x'\n")
    model.script(Reply([Text("Nothing to change.")]))
    await editor.start()
    uri = editor.open("c.py")
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE})
    assert result["status"] == "answered"
    prompt = model.requests[0].body["input"][0]["content"][0]["text"]
    assert prompt.startswith("Edit the selected code in c.py as instructed: make it shout")


async def test_missing_instruction_is_a_clear_error(editor: Editor, model: ScriptedModelServer) -> None:
    await editor.start()
    uri = editor.open("hello.py")
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE})
    assert result["status"] == "failed"
    assert "No instruction" in result["error"] and "codex:" in result["error"]
    assert result["needsInstruction"] is True  # the editor asks the user and sends it again
    assert model.requests == []


async def test_a_failure_other_than_a_missing_instruction_does_not_ask_for_one(
    editor: Editor, model: ScriptedModelServer
) -> None:
    await editor.start()
    uri = editor.open("hello.py")
    bad = {"start": {"line": 2, "character": 0}, "end": {"line": 0, "character": 0}}
    result = await editor.command("codex.editSelection", {"uri": uri, "range": bad})
    assert result["status"] == "failed" and "before" in result["error"]
    assert "needsInstruction" not in result
    assert model.requests == []


async def test_approval_timeout_rejects_and_withdraws_the_prompt(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, "approval_timeout_sec = 0.5")
    model.script(Reply([patch_call(UPDATE)]))
    await editor.start()
    uri = editor.open("hello.py")
    editor.answer_delay = 3.0
    editor.message_answers = ["Apply"]
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "x"})
    assert result["status"] == "rejected"
    assert editor.state.apply_edits == []
    withdrawn = [e for e in editor.state.events if e["type"] == "approvalWithdrawn"]
    assert withdrawn == [{"type": "approvalWithdrawn", "threadId": result["threadId"], "kind": "edit"}]


async def test_policy_never_applies_without_asking(
    editor: Editor, model: ScriptedModelServer, codex_home: Path
) -> None:
    write_config(codex_home, model.base_url, 'approval_policy = "never"')
    model.script(Reply([patch_call(UPDATE)]), Reply([Text("done")]))
    await editor.start()
    uri = editor.open("hello.py")
    result = await editor.command("codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "x"})
    assert result["status"] == "applied"
    assert editor.state.message_requests == []
    assert len(editor.state.apply_edits) == 1
