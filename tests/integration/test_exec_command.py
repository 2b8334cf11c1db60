"""`exec_command` / `write_stdin`: sessions on real processes (PTY and pipes), Codex's
output layout and caps, approval with `prefix_rule`, kill on cancel and close."""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

import pytest

from codex_lsp.tools.base import ToolContext, ToolFailure
from codex_lsp.tools.exec_command import STDIN_CLOSED, ExecCommandTool, WriteStdinTool
from tests.unit.test_exec_command import _ctx
from tests.unit.test_shell_support import (
    BWRAP,
    FakeEditor,
    needs_bwrap,
    unique_sleep,
    wait_for_pids,
)

HEADER = re.compile(
    r"^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\n"
    r"(Process exited with code (?P<code>-?\d+)|Process running with session ID (?P<sid>\d+))\n"
    r"Original token count: (?P<tokens>\d+)\nOutput:\n(?P<output>.*)\Z",
    re.S,
)


def _parse(text: str) -> re.Match[str]:
    match = HEADER.match(text)
    assert match is not None, text
    return match


async def _close(ctx: ToolContext) -> None:
    assert ctx.exec_sessions is not None
    await ctx.exec_sessions.close_all()


async def test_short_command_returns_exit_code_and_output(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    out = await ExecCommandTool().run(ctx, {"login": False, "cmd": "echo hello; exit 3"})
    match = _parse(out)
    assert match["code"] == "3" and match["output"] == "hello\n"
    assert match["tokens"] == "2"
    assert ctx.exec_sessions is not None and ctx.exec_sessions.listing() == []


async def test_pty_session_answers_a_prompt_then_exits(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    script = "read -p 'name? ' n; echo \"hi $n\"; test -t 0 && echo tty"
    first = _parse(
        await ExecCommandTool().run(
            ctx, {"login": False, "cmd": script, "tty": True, "yield_time_ms": 500}
        )
    )
    assert first["sid"] is not None and "name?" in first["output"]
    second = _parse(
        await WriteStdinTool().run(
            ctx, {"session_id": int(first["sid"]), "chars": "ada\n", "yield_time_ms": 5000}
        )
    )
    assert second["code"] == "0"
    assert "hi ada" in second["output"] and "tty" in second["output"]
    with pytest.raises(ToolFailure, match=f"Unknown process id {first['sid']}"):
        await WriteStdinTool().run(ctx, {"session_id": int(first["sid"]), "chars": ""})


async def test_pipes_session_has_no_stdin_and_polls(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    out = _parse(
        await ExecCommandTool().run(
            ctx,
            {
                "login": False,
                "cmd": "echo start; read x; sleep 0.6; echo end",
                "yield_time_ms": 250,
            },
        )
    )
    # stdin is /dev/null: `read` fails at once, the script carries on.
    sid = out["sid"]
    if sid is None:  # it already ended within the yield time
        assert "start" in out["output"]
        return
    with pytest.raises(ToolFailure, match=re.escape(STDIN_CLOSED)):
        await WriteStdinTool().run(ctx, {"session_id": int(sid), "chars": "x\n"})
    polled = _parse(await WriteStdinTool().run(ctx, {"session_id": int(sid)}))
    assert polled["code"] == "0" and "end" in polled["output"]
    await _close(ctx)


async def test_ctrl_c_reaches_a_pty_command(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    token = unique_sleep()
    out = _parse(
        await ExecCommandTool().run(
            ctx, {"login": False, "cmd": f"sleep {token}", "tty": True, "yield_time_ms": 250}
        )
    )
    assert out["sid"] is not None
    await wait_for_pids(token, present=True, at_least=1)
    stopped = _parse(
        await WriteStdinTool().run(
            ctx, {"session_id": int(out["sid"]), "chars": "\u0003", "yield_time_ms": 5000}
        )
    )
    assert stopped["code"] is not None and stopped["code"] != "0"
    assert await wait_for_pids(token, present=False) == []


async def test_close_all_kills_the_process_tree(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    token = unique_sleep()
    cmd = f"(setsid sleep {token} &); sleep {token} & sleep {token}"
    out = _parse(
        await ExecCommandTool().run(ctx, {"login": False, "cmd": cmd, "yield_time_ms": 250})
    )
    assert out["sid"] is not None
    assert len(await wait_for_pids(token, present=True, at_least=3)) >= 3
    await _close(ctx)
    assert await wait_for_pids(token, present=False) == []


async def test_cancelled_call_kills_its_session(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    token = unique_sleep()
    call = asyncio.ensure_future(
        ExecCommandTool().run(
            ctx, {"login": False, "cmd": f"sleep {token}", "yield_time_ms": 30_000}
        )
    )
    await wait_for_pids(token, present=True, at_least=1)
    call.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await call
    assert await wait_for_pids(token, present=False) == []
    assert ctx.exec_sessions is not None and ctx.exec_sessions.listing() == []


async def test_other_threads_cannot_reach_a_session(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    out = _parse(
        await ExecCommandTool().run(
            ctx, {"login": False, "cmd": "sleep 5", "yield_time_ms": 250, "tty": True}
        )
    )
    other = _ctx(tmp_path)
    other.exec_sessions, other.thread_id = ctx.exec_sessions, "another-thread"
    with pytest.raises(ToolFailure, match="Unknown process id"):
        await WriteStdinTool().run(other, {"session_id": int(out["sid"]), "chars": "x"})
    await _close(ctx)


async def test_output_is_capped_to_max_output_tokens(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    cmd = "for i in $(seq 1 2000); do echo line$i; done"
    out = _parse(
        await ExecCommandTool().run(ctx, {"login": False, "cmd": cmd, "max_output_tokens": 50})
    )
    text = out["output"]
    assert text.startswith("Total output lines: 2000\n\nline1\n")
    assert text.endswith("line2000\n")
    assert re.search(r"…\d+ tokens truncated…", text)
    assert int(out["tokens"]) > 50


async def test_untrusted_asks_with_workdir_and_prefix_rule_covers_later_commands(
    tmp_path: Path,
) -> None:
    (tmp_path / "sub").mkdir()
    editor = FakeEditor("approveForSession")
    ctx = _ctx(tmp_path, editor, policy="untrusted", sandbox_mode="danger-full-access")
    args = {
        "login": False,
        "cmd": "touch made && echo ok",
        "workdir": "sub",
        "justification": "needs to write",
        "prefix_rule": ["touch"],
    }
    # `echo` is not under the prefix: the approval is kept for this exact command only.
    assert _parse(await ExecCommandTool().run(ctx, args))["code"] == "0"
    (request,) = editor.requests
    assert request.cwd == tmp_path / "sub" and request.command[-1] == "touch made && echo ok"
    assert request.reason is not None and request.reason.endswith("The agent says: needs to write")
    assert _parse(await ExecCommandTool().run(ctx, args))["code"] == "0"
    assert len(editor.requests) == 1
    editor.answers.append("approveForSession")
    await ExecCommandTool().run(ctx, {"login": False, "cmd": "touch a", "prefix_rule": ["touch"]})
    assert len(editor.requests) == 2
    await ExecCommandTool().run(ctx, {"login": False, "cmd": "touch b && touch c"})
    assert len(editor.requests) == 2
    assert (tmp_path / "c").exists()


@needs_bwrap
async def test_sandboxed_session_cannot_write_outside_and_is_killed(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, policy="never", sandbox_mode="read-only")
    out = _parse(
        await ExecCommandTool(BWRAP).run(ctx, {"login": False, "cmd": "touch x 2>&1; echo done"})
    )
    assert out["code"] == "0" and "Read-only file system" in out["output"]
    assert not (tmp_path / "x").exists()
    token = unique_sleep()
    running = _parse(
        await ExecCommandTool(BWRAP).run(
            ctx, {"login": False, "cmd": f"sleep {token}", "tty": True, "yield_time_ms": 250}
        )
    )
    assert running["sid"] is not None
    await wait_for_pids(token, present=True, at_least=1)
    await _close(ctx)
    assert await wait_for_pids(token, present=False) == []


@needs_bwrap
async def test_sandbox_denial_offers_an_unsandboxed_rerun_as_shell_does(tmp_path: Path) -> None:
    editor = FakeEditor("approve")
    ctx = _ctx(tmp_path, editor, policy="on-failure", sandbox_mode="read-only")
    out = _parse(await ExecCommandTool(BWRAP).run(ctx, {"login": False, "cmd": "touch made"}))
    assert out["code"] == "0" and (tmp_path / "made").exists()
    (request,) = editor.requests
    assert request.reason is not None and "failed in the sandbox" in request.reason

    hinted = _ctx(tmp_path, FakeEditor(), policy="on-request", sandbox_mode="read-only")
    text = await ExecCommandTool(BWRAP).run(hinted, {"login": False, "cmd": "touch other"})
    assert _parse(text.split("\n\nNote:")[0])["code"] != "0"
    assert 'sandbox_permissions: "require_escalated"' in text
    assert not (tmp_path / "other").exists()
