"""The engine and `exec_command` sessions in process: an unknown session id goes back to
the model (the sessions on real processes are in tests/integration/test_agent_exec_sessions.py)."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.agent import tasks
from tests.support.core_harness import make_core
from tests.support.scripted_model import ScriptedModel, call, reply, text

DIRECT = {"approval_policy": "never", "sandbox_mode": "danger-full-access"}


def _outputs(model: ScriptedModel, index: int) -> list[str]:
    """The function_call_output texts of request `index`."""
    return [
        str(item["output"])
        for item in model.requests[index].input
        if isinstance(item, dict) and item.get("type") == "function_call_output"
    ]


async def test_unknown_session_goes_back_to_the_model(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(call("write_stdin", {"session_id": 4242, "chars": ""})), reply(text("ok"))
    )
    core = make_core(tmp_path, model, **DIRECT)
    await core.agent.run(tasks.run_task("poll"))
    (output,) = _outputs(model, 1)
    assert "Unknown process id 4242" in output
