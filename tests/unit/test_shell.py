"""The shell tools in process: argument handling and output capping, a missing program
(commands on real processes: tests/integration/test_shell.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.sandbox.output import MAX_OUTPUT_BYTES, MAX_OUTPUT_LINES, OutputCollector, cap_output
from codex_lsp.tools.base import ToolFailure
from codex_lsp.tools.shell import DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, ShellCommandTool, ShellTool
from tests.unit.test_shell_support import NO_BWRAP, make_ctx

# Unsandboxed runs (danger-full-access, never asks) test the process handling itself.
DIRECT = {"policy": "never", "sandbox_mode": "danger-full-access"}


def test_exports_and_shapes() -> None:
    assert (ShellTool().name, ShellCommandTool().name) == ("shell", "shell_command")
    shell = ShellTool().parameters
    assert shell["properties"]["command"]["type"] == "array"
    assert shell["required"] == ["command"]
    assert set(shell["properties"]) == {
        "command",
        "workdir",
        "timeout_ms",
        "sandbox_permissions",
        "justification",
    }
    assert ShellCommandTool().parameters["properties"]["command"]["type"] == "string"
    assert DEFAULT_TIMEOUT_MS == 10_000
    assert MAX_TIMEOUT_MS == 600_000


# ---- output capping ------------------------------------------------------------


def test_cap_output_keeps_small_output_whole() -> None:
    text = b"one\ntwo\n"
    assert cap_output(text, b"", len(text)) == "one\ntwo\n"


def test_cap_output_by_bytes_keeps_head_and_tail() -> None:
    data = b"".join(b"line %05d " % i + b"x" * 40 + b"\n" for i in range(2000))
    out = cap_output(data, b"", len(data))
    assert out.startswith("line 00000 ")
    assert out.endswith("line 01999 " + "x" * 40 + "\n")
    assert len(out.encode()) <= MAX_OUTPUT_BYTES + 64
    head, _marker, tail = out.partition("[... ")
    omitted = int(tail.split(" bytes omitted ...]")[0])
    kept = len(head.encode()) + len(tail.split("]\n", 1)[1].encode())
    assert omitted == len(data) - kept
    # Cut on line boundaries: every kept line is complete.
    for line in out.splitlines():
        assert line.startswith(("line ", "[... "))


def test_cap_output_by_lines() -> None:
    data = b"".join(b"%d\n" % i for i in range(1000))
    out = cap_output(data, b"", len(data))
    lines = out.splitlines()
    assert len(lines) == MAX_OUTPUT_LINES + 1
    assert lines[0] == "0" and lines[MAX_OUTPUT_LINES // 2 - 1] == str(MAX_OUTPUT_LINES // 2 - 1)
    assert lines[-1] == "999"
    assert "bytes omitted" in lines[MAX_OUTPUT_LINES // 2]


def test_cap_output_exactly_at_the_line_limit_is_whole() -> None:
    data = b"".join(b"%d\n" % i for i in range(MAX_OUTPUT_LINES))
    assert cap_output(data, b"", len(data)) == data.decode()


def test_cap_output_one_huge_line() -> None:
    data = b"a" * 50_000
    out = cap_output(data, b"", len(data))
    assert "[... " in out
    assert len(out) <= MAX_OUTPUT_BYTES + 64


def test_collector_memory_is_bounded_and_counts_everything() -> None:
    collector = OutputCollector(keep=100)
    for i in range(10_000):
        collector.feed(b"%06d\n" % i)
    assert collector.total == 70_000
    assert len(collector.head) == 100 and len(collector.tail) == 100
    out = collector.render()
    assert out.startswith("000000\n") and out.endswith("009999\n")
    assert "bytes omitted" in out


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert cap_output(b"\xff\xfeok\n", b"", 5) == "\ufffd\ufffdok\n"


# ---- running commands ------------------------------------------------------------


async def test_workdir_must_stay_inside_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    ctx = make_ctx(ws, **DIRECT)
    with pytest.raises(ToolFailure, match="outside the workspace"):
        await ShellTool().run(ctx, {"command": ["pwd"], "workdir": ".."})
    with pytest.raises(ToolFailure, match="outside the workspace"):
        await ShellTool().run(ctx, {"command": ["pwd"], "workdir": "/etc"})
    with pytest.raises(ToolFailure, match="not a directory"):
        await ShellTool().run(ctx, {"command": ["pwd"], "workdir": "missing"})


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"command": []},
        {"command": "ls"},
        {"command": [1]},
        {"command": [""]},
        {"command": ["true"], "timeout_ms": 0},
        {"command": ["true"], "timeout_ms": "soon"},
        {"command": ["true"], "sandbox_permissions": "root"},
    ],
)
async def test_bad_arguments_are_tool_failures(tmp_path: Path, args: dict[str, object]) -> None:
    with pytest.raises(ToolFailure):
        await ShellTool(NO_BWRAP).run(make_ctx(tmp_path, **DIRECT), args)


async def test_missing_program_is_a_tool_failure(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, **DIRECT)
    with pytest.raises(ToolFailure, match="could not start 'no-such-program-xyz'"):
        await ShellTool(NO_BWRAP).run(ctx, {"command": ["no-such-program-xyz"]})
