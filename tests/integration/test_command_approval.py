"""Command approval, the whole flow through the real shell tool (real processes, bubblewrap)
with a scripted user, for each approval policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.approvals import ActionKey
from codex_lsp.approvals.commands import REJECTED_BY_USER
from codex_lsp.tools.base import ToolFailure
from codex_lsp.tools.shell import ShellCommandTool, ShellTool
from tests.unit.test_command_approval import _touch
from tests.unit.test_shell_support import (
    BWRAP,
    NO_BWRAP,
    FakeEditor,
    make_ctx,
    needs_bwrap,
)


@needs_bwrap
async def test_untrusted_flow(tmp_path: Path) -> None:
    editor = FakeEditor("reject", "approve", "approveForSession")
    ctx = make_ctx(tmp_path, editor, policy="untrusted", sandbox_mode="read-only")
    tool = ShellTool(BWRAP)

    out = await tool.run(ctx, {"command": ["ls", "-a"]})  # safe: no question
    assert out.startswith("Exit code: 0") and editor.requests == []

    with pytest.raises(ToolFailure, match=REJECTED_BY_USER):
        await tool.run(ctx, _touch("a"))
    assert not (tmp_path / "a").exists()
    request = editor.requests[-1]
    assert request.command == ["touch", "a"] and request.cwd == tmp_path
    assert request.thread_id == "thread-1" and "untrusted" in (request.reason or "")

    out = await tool.run(ctx, _touch("b"))  # approved: runs outside the read-only sandbox
    assert out.startswith("Exit code: 0") and (tmp_path / "b").exists()
    assert not ctx.approvals.approved(ActionKey.shell(["touch", "b"]))

    await tool.run(ctx, _touch("c"))  # approveForSession
    assert ctx.approvals.approved(ActionKey.shell(["touch", "c"]))
    (tmp_path / "c").unlink()
    asked = len(editor.requests)
    await tool.run(ctx, _touch("c"))  # remembered: no question
    assert len(editor.requests) == asked and (tmp_path / "c").exists()


@needs_bwrap
async def test_on_failure_flow(tmp_path: Path) -> None:
    editor = FakeEditor("reject", "approveForSession")
    ctx = make_ctx(tmp_path, editor, policy="on-failure", sandbox_mode="read-only")
    tool = ShellTool(BWRAP)

    out = await tool.run(ctx, {"command": ["bash", "-c", "exit 3"]})  # not a denial
    assert out.startswith("Exit code: 3") and editor.requests == []

    with pytest.raises(ToolFailure) as failure:
        await tool.run(ctx, _touch("a"))
    assert REJECTED_BY_USER in str(failure.value)
    assert "Read-only file system" in str(failure.value)  # the model still sees why
    assert "failed in the sandbox" in (editor.requests[-1].reason or "")
    assert not (tmp_path / "a").exists()

    out = await tool.run(ctx, _touch("b"))  # re-run outside the sandbox
    assert out.startswith("Exit code: 0") and (tmp_path / "b").exists()
    assert ctx.approvals.approved(ActionKey.shell(["touch", "b"]))


@needs_bwrap
async def test_on_request_flow(tmp_path: Path) -> None:
    editor = FakeEditor("approve", "reject")
    ctx = make_ctx(tmp_path, editor, policy="on-request", sandbox_mode="read-only")
    tool = ShellTool(BWRAP)

    out = await tool.run(ctx, _touch("a"))  # fails in the sandbox, no question
    assert "Read-only file system" in out and "require_escalated" in out
    assert editor.requests == [] and not (tmp_path / "a").exists()

    escalated = {
        **_touch("b"),
        "sandbox_permissions": "require_escalated",
        "justification": "create the marker file",
    }
    out = await tool.run(ctx, escalated)
    assert out.startswith("Exit code: 0") and (tmp_path / "b").exists()
    assert "create the marker file" in (editor.requests[-1].reason or "")

    with pytest.raises(ToolFailure, match=REJECTED_BY_USER):
        await tool.run(ctx, {**escalated, "command": ["touch", "c"]})
    assert not (tmp_path / "c").exists()


@needs_bwrap
async def test_never_flow(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, FakeEditor(), policy="never", sandbox_mode="read-only")
    tool = ShellCommandTool(BWRAP)
    out = await tool.run(ctx, {"command": "touch a"})
    assert out.startswith("Exit code: 1") and "Read-only file system" in out
    assert "require_escalated" not in out
    with pytest.raises(ToolFailure, match="on-request"):
        await tool.run(ctx, {"command": "touch a", "sandbox_permissions": "require_escalated"})


async def test_without_a_sandbox_every_command_asks(tmp_path: Path) -> None:
    editor = FakeEditor("approve", "reject")
    ctx = make_ctx(tmp_path, editor, policy="on-request", sandbox_mode="workspace-write")
    tool = ShellTool(NO_BWRAP)
    out = await tool.run(ctx, {"command": ["ls"]})  # even a safe command
    assert out.startswith("Exit code: 0")
    assert "No sandbox is available" in (editor.requests[0].reason or "")
    assert "bwrap not found" in (editor.requests[0].reason or "")
    with pytest.raises(ToolFailure, match=REJECTED_BY_USER):
        await tool.run(ctx, _touch("a"))
    assert not (tmp_path / "a").exists()


async def test_full_access_needs_no_sandbox(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, FakeEditor(), policy="on-request", sandbox_mode="danger-full-access")
    out = await ShellTool(NO_BWRAP).run(ctx, _touch("a"))
    assert out.startswith("Exit code: 0") and (tmp_path / "a").exists()
