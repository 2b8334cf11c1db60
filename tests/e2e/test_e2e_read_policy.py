"""What may be read, pinned end to end (issue 9, defects 2 and 19).

The agent's own reading tools (read_file, list_dir, grep_files) never leave
the workspace, symlinks included. The read-only sandbox is Codex's: commands
may read anywhere the user can, and write nowhere; so a known-safe `cat`
runs without a prompt and reads through a symlink that points out. This is
the documented promise (README, sandbox section); change both together.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import write_config
from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed"),
]

SECRET = "outside-the-workspace-7731"


def outputs(model: ScriptedModelServer, request: int) -> list[str]:
    body = model.requests[request].body
    assert body is not None
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]


async def test_tools_refuse_a_link_out_but_the_read_only_sandbox_reads_it(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n")
    (workspace / "link.txt").symlink_to(secret)
    write_config(codex_home, model.base_url, 'approval_policy = "untrusted"\nsandbox_mode = "read-only"')
    model.script(
        Reply([FunctionCall("grep_files", {"pattern": SECRET})]),
        Reply([FunctionCall("read_file", {"path": "link.txt"})]),
        Reply([FunctionCall("shell", {"command": ["cat", "link.txt"]})]),
        Reply([Text("done")]),
    )
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "look around"})
    assert result["status"] == "answered", result
    assert outputs(model, 1)[-1] == "No matches."
    assert "outside the workspace" in outputs(model, 2)[-1]
    # Documented: the read-only sandbox allows reads anywhere, and `cat` is not asked about.
    cat = outputs(model, 3)[-1]
    assert cat.startswith("Exit code: 0") and SECRET in cat
    assert editor.state.message_requests == []


async def test_the_read_only_sandbox_writes_nowhere(
    editor: Editor, model: ScriptedModelServer, workspace: Path, codex_home: Path, tmp_path: Path
) -> None:
    write_config(codex_home, model.base_url, 'approval_policy = "never"\nsandbox_mode = "read-only"')
    model.script(
        Reply([FunctionCall("shell", {"command": ["sh", "-c", "echo x > made.txt"]})]),
        Reply([FunctionCall("shell", {"command": ["sh", "-c", f"echo x > {tmp_path}/out.txt"]})]),
        Reply([Text("done")]),
    )
    await editor.start()
    result = await editor.command("codex.runTask", {"prompt": "write"})
    assert result["status"] == "answered", result
    assert not outputs(model, 1)[-1].startswith("Exit code: 0")
    assert not outputs(model, 2)[-1].startswith("Exit code: 0")
    assert not (workspace / "made.txt").exists() and not (tmp_path / "out.txt").exists()
    assert editor.state.message_requests == []
