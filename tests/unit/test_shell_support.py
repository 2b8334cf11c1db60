"""Shared helpers for the shell, sandbox and command-approval tests (no tests here).

`FakeEditor` stands in for the *editor* (the user answering approval
questions); everything of ours is real: ToolContext, Workspace, Config, the
tools, bubblewrap and the processes.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.approvals import ApprovalPolicy, SessionApprovals
from codex_lsp.config import Config, ShellEnvironmentPolicy
from codex_lsp.config.model import SandboxWorkspaceWrite
from codex_lsp.core.protocol import CommandRequest, Decision
from codex_lsp.core.workspace import Workspace
from codex_lsp.sandbox.bwrap import Bubblewrap
from codex_lsp.tools.base import ToolContext

BWRAP = Bubblewrap()
BWRAP_STATUS = BWRAP.status()
needs_bwrap = pytest.mark.skipif(
    not BWRAP_STATUS.available, reason=f"bubblewrap cannot run here: {BWRAP_STATUS.reason}"
)
NO_BWRAP = Bubblewrap("/nonexistent/bwrap")
"""A sandbox that is never available (the 'no sandbox on this machine' case)."""

ONLY_WORKSPACE = SandboxWorkspaceWrite(exclude_tmpdir_env_var=True, exclude_slash_tmp=True)
"""workspace-write settings where only the workspace is writable (tests live under /tmp)."""


class FakeEditor:
    """The user in front of the editor: answers approval questions from a script."""

    def __init__(self, *answers: Decision) -> None:
        self.answers: list[Decision] = list(answers)
        self.requests: list[CommandRequest] = []
        self.events: list[Any] = []

    def snapshot(self, path: Path) -> None:
        return None

    async def emit(self, event: Any) -> None:
        self.events.append(event)

    async def review_edit(self, proposal: Any) -> Any:
        raise AssertionError("no edits in shell tests")

    async def apply_edit(self, proposal: Any) -> Any:
        raise AssertionError("no edits in shell tests")

    async def approve_command(self, request: CommandRequest) -> Decision:
        self.requests.append(request)
        if not self.answers:
            raise AssertionError(f"unexpected approval request: {request}")
        return self.answers.pop(0)


def make_ctx(
    root: Path,
    editor: FakeEditor | None = None,
    *,
    policy: str = "on-request",
    sandbox_mode: str = "read-only",
    workspace_write: SandboxWorkspaceWrite | None = None,
    env_policy: ShellEnvironmentPolicy | None = None,
) -> ToolContext:
    """A real ToolContext for one thread rooted at `root`."""
    host = editor or FakeEditor()
    config = Config(
        approval_policy=policy,  # type: ignore[arg-type]
        sandbox_mode=sandbox_mode,  # type: ignore[arg-type]
        sandbox_workspace_write=workspace_write or SandboxWorkspaceWrite(),
        shell_environment_policy=env_policy or ShellEnvironmentPolicy(),
    )
    return ToolContext(
        thread_id="thread-1",
        workspace=Workspace([root]),
        host=host,
        policy=ApprovalPolicy(policy),
        approvals=SessionApprovals(),
        emit=host.emit,
        config=config,
    )


def unique_sleep() -> str:
    """A `sleep` duration no other process on the machine is using (to find ours in /proc)."""
    return f"30.{random.randrange(10**8, 10**9)}"


def pids_running(token: str) -> list[int]:
    """Live processes whose command line contains `token` (zombies have none)."""
    found = []
    needle = token.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline:
            found.append(int(entry))
    return found


async def wait_for_pids(
    token: str, *, present: bool, within: float = 5.0, at_least: int = 3
) -> list[int]:
    """Poll until `at_least` processes with `token` exist (present) or none (not present)."""
    deadline = time.monotonic() + within
    while True:
        pids = pids_running(token)
        done = len(pids) >= at_least if present else not pids
        if done or time.monotonic() > deadline:
            return pids
        await asyncio.sleep(0.02)
