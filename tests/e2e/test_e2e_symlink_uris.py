"""A workspace opened through a symlink: everything sent back names the files the way
the editor opened them (the link), while the path policy still works on real paths."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.test_e2e_edit import RANGE, script_edit
from tests.e2e.test_e2e_review import finding, review_file, review_reply
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e


@pytest.fixture
def link(tmp_path: Path, workspace: Path) -> Path:
    """The workspace as the editor opened it: through a symlink."""
    path = tmp_path / "link-to-ws"
    path.symlink_to(workspace, target_is_directory=True)
    return path


@pytest.fixture
async def link_editor(link: Path, editor_env: dict[str, str]) -> AsyncIterator[Editor]:
    ed = Editor(link, editor_env)
    yield ed
    await ed.stop()


async def test_approved_edit_targets_the_link_uri(
    link_editor: Editor, model: ScriptedModelServer, link: Path, workspace: Path
) -> None:
    script_edit(model)
    await link_editor.start()
    uri = link_editor.open("hello.py")
    assert uri == (link / "hello.py").as_uri()
    link_editor.message_answers = ["Apply"]
    result = await link_editor.command(
        "codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "use an f-string"}
    )
    assert result["status"] == "applied", result
    change = link_editor.state.apply_edits[0]["edit"]["documentChanges"][0]
    assert change["textDocument"] == {"uri": uri, "version": 1}
    # The editor applied it to its one buffer (no second model under the real path).
    assert link_editor.state.docs[uri].text.splitlines()[1] == '    return f"hello {name}"'
    assert list(link_editor.state.docs) == [uri]


async def test_findings_name_open_and_closed_files_by_the_link(
    link_editor: Editor, model: ScriptedModelServer, link: Path, workspace: Path
) -> None:
    (workspace / "util.py").write_text("x = 1\ny = x / 0\n")
    model.script(
        review_reply(
            finding("Guard against None name", 2, 2, 0, path=str(workspace / "hello.py")),
            finding("Division by zero", 2, 2, 0, path=str(workspace / "util.py")),
        )
    )
    await link_editor.start()
    uri = link_editor.open("hello.py")
    result = await review_file(link_editor, uri)
    closed = (link / "util.py").as_uri()
    await link_editor.wait_for(lambda: {uri, closed} <= set(link_editor.state.diagnostics))
    assert not [u for u in link_editor.state.diagnostics if str(workspace) in u]
    assert {f["uri"] for f in result["findings"]} == {uri, closed}
    # Code actions on the link URI find the finding (filed under the real path).
    actions = await link_editor.code_actions(uri, (1, 0), (1, 5))
    assert any("Guard against None name" in a["title"] for a in actions), actions


async def test_the_path_policy_still_refuses_a_link_that_points_out(
    link_editor: Editor, model: ScriptedModelServer, link: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("secret = 1\n")
    (link / "escape.py").symlink_to(outside)
    await link_editor.start()
    uri = link_editor.open("escape.py")
    result = await link_editor.command("codex.explain", {"uri": uri, "range": RANGE})
    assert result["status"] == "failed", result
    assert "outside the workspace" in result["error"]
    assert model.requests == []


async def test_per_hunk_answers_keyed_by_the_link_uri_are_honoured(
    link_editor: Editor, model: ScriptedModelServer
) -> None:
    body = (
        "*** Update File: hello.py\n@@\n def greet(name):\n-    return 'hi ' + name\n"
        "+    return 'hey ' + name\n@@\n-print(greet('bob'))\n+print(greet('alice'))\n"
    )
    patch = {"input": f"*** Begin Patch\n{body}*** End Patch\n"}
    model.script(Reply([FunctionCall("apply_patch", patch)]), Reply([Text("done")]))
    await link_editor.start(codex_approval=True)
    uri = link_editor.open("hello.py")
    link_editor.approve_answers = [{"decision": "approve", "hunks": {uri: [1]}}]
    result = await link_editor.command(
        "codex.editSelection", {"uri": uri, "range": RANGE, "instruction": "x"}
    )
    assert result["status"] == "applied", result
    request = link_editor.state.approve_edits[0]
    assert request["files"][0]["uri"] == uri
    assert request["edit"]["documentChanges"][0]["textDocument"]["uri"] == uri
    text = link_editor.state.docs[uri].text
    assert "return 'hi ' + name" in text and "greet('alice')" in text
