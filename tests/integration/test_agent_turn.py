"""The turn loop with real shell commands: approved commands run (rejected ones do not), their
exit code and capped output go back to the model."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.core.items import function_call_output
from codex_lsp.core.protocol import CommandRequest, ToolStep
from tests.support.fake_host import FakeHost
from tests.support.scripted_model import call
from tests.unit.test_agent_turn import last_output, run_calls


async def test_a_shell_command_the_user_approves_runs_and_its_output_goes_back(
    tmp_path: Path,
) -> None:
    host = FakeHost(commands=["approve"])
    core = await run_calls(
        tmp_path,
        call("shell", {"command": ["sh", "-c", "echo made > made.txt; echo hi"]}, "s1"),
        host=host,
        approval_policy="untrusted",
        sandbox_mode="danger-full-access",
    )

    output = last_output(core.model.requests[1])["output"]
    assert output.startswith("Exit code: 0\nWall time: ")
    assert output.endswith("Output:\nhi\n")
    assert core.read("made.txt") == "made\n"
    assert len(host.command_requests) == 1
    begin, end = core.host.of_type(ToolStep)
    assert (begin.call_id, end.call_id) == ("s1", "s1")
    assert (end.ok, end.exit_code, end.outcome) == (True, 0, None)
    assert end.output is not None and end.output.endswith("Output:\nhi\n")


async def test_a_failing_command_reports_its_exit_code_and_capped_output(tmp_path: Path) -> None:
    script = "yes 'sk-" + "a" * 20 + "' | head -n 1000; exit 3"
    core = await run_calls(
        tmp_path,
        call("shell", {"command": ["sh", "-c", script]}, "s1"),
        approval_policy="never",
        sandbox_mode="danger-full-access",
    )

    end = core.host.of_type(ToolStep)[-1]
    assert end.exit_code == 3
    assert end.output is not None and len(end.output) < 8100
    assert "[REDACTED]" in end.output and "sk-aaaa" not in end.output


async def test_a_shell_command_the_user_rejects_does_not_run(tmp_path: Path) -> None:
    host = FakeHost(commands=["reject"])
    argv = ["touch", "made.txt"]
    core = await run_calls(
        tmp_path,
        call("shell", {"command": argv}, "s1"),
        host=host,
        approval_policy="untrusted",
        sandbox_mode="danger-full-access",
    )

    assert host.command_requests == [
        CommandRequest(
            core.thread.id,
            argv,
            core.root,
            'approval_policy is "untrusted" and `touch made.txt` is not a known read-only '
            "command. Run it?",
        )
    ]
    assert last_output(core.model.requests[1]) == function_call_output(
        "s1", "Error: command rejected by user"
    )
    assert not core.path("made.txt").exists()
