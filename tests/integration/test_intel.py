"""Code intelligence in the engine: diagnostics after an edit, the lsp_* tools, the off switches.

The language server is the real `ruff server` (fast, from the dev extras),
started by the engine from `[lsp_servers.*]` as a user would configure it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from codex_lsp.agent import tasks
from tests.support.core_harness import Core, make_core
from tests.support.fake_host import APPROVE, FakeHost
from tests.support.language_servers import ruff_server
from tests.support.scripted_model import ScriptedModel, call, reply, text

TASK = tasks.run_task("Change files")


CLEAN = "def greet(name):\n    return 'hi ' + name\n"


UNUSED_OS = "import os\n"


RUFF_RULES = 'lint.select = ["F"]\n'
"""The workspace's own ruff settings, so a user's or parent folder's config cannot leak in."""


def ruff(**extra: Any) -> dict[str, Any]:
    """`[lsp_servers.ruff]` plus `[code_intel]` overrides (a generous wait: loaded machines)."""
    intel = {"diagnostics_wait_ms": 15000, **extra}
    return {
        "lsp_servers": {"ruff": {"command": ruff_server(), "files": ["*.py"]}},
        "code_intel": intel,
    }


def patch(*body: str) -> str:
    return "\n".join(["*** Begin Patch", *body, "*** End Patch"])


ADD_IMPORT = patch("*** Update File: hello.py", "@@", "+import sys", " def greet(name):")
"""Inserts `import sys` (unused) just above `def greet`."""


async def run_patch(tmp_path: Path, files: dict[str, str], text_of_patch: str, **config: Any) -> Core:
    model = ScriptedModel(
        reply(call("apply_patch", {"input": text_of_patch}, "p1")), reply(text("Done."))
    )
    tmp_path.mkdir(exist_ok=True)
    core = make_core(tmp_path, model, FakeHost(decisions=[APPROVE]), **config)
    core.write("ruff.toml", RUFF_RULES)
    for name, content in files.items():
        core.write(name, content)
    try:
        result = await core.agent.run(TASK)
    finally:
        await core.agent.aclose()
    assert result.status == "applied", result
    return core


def tool_output(core: Core, call_id: str = "p1") -> str:
    for request in core.model.requests:
        for item in request.input:
            if item.get("type") == "function_call_output" and item.get("call_id") == call_id:
                return str(item["output"])
    raise AssertionError(f"no output for {call_id}")


def tool_names(core: Core) -> list[str]:
    return [t.name for t in core.model.requests[0].tools]


async def test_the_model_is_told_the_warning_its_edit_introduced(tmp_path: Path) -> None:
    core = await run_patch(tmp_path, {"hello.py": UNUSED_OS + CLEAN}, ADD_IMPORT, **ruff())
    out = tool_output(core)
    assert out.startswith("Success. Updated the following files:\nM hello.py\n")
    assert "Diagnostics after this edit (ruff): 1 warning introduced by this edit:" in out
    assert "hello.py:2:8: warning: `sys` imported but unused help: Remove unused import" in out
    assert "[Ruff F401]" in out
    # The unused `os` was there before: counted, not listed as new.
    assert "Already there before this edit (not listed): 1 warning." in out
    assert "`os` imported but unused" not in out


async def test_a_clean_edit_says_so(tmp_path: Path) -> None:
    fix = patch("*** Update File: hello.py", "@@", "-import os", " def greet(name):")
    core = await run_patch(tmp_path, {"hello.py": UNUSED_OS + CLEAN}, fix, **ruff())
    assert "Diagnostics after this edit (ruff): no new errors or warnings." in tool_output(core)


async def test_the_list_is_capped(tmp_path: Path) -> None:
    many = patch("*** Add File: many.py", *(f"+import mod{i}" for i in range(5)))
    core = await run_patch(tmp_path, {}, many, **ruff(max_diagnostics=2))
    out = tool_output(core)
    assert "5 warnings introduced by this edit:" in out
    assert out.count("imported but unused") == 2
    assert "… and 3 more" in out


async def test_the_off_switch_leaves_the_result_as_before(tmp_path: Path) -> None:
    core = await run_patch(
        tmp_path, {"hello.py": CLEAN}, ADD_IMPORT, **ruff(diagnostics_after_edit=False)
    )
    assert tool_output(core) == "Success. Updated the following files:\nM hello.py\n"


async def test_files_no_server_covers_are_not_checked(tmp_path: Path) -> None:
    notes = patch("*** Add File: notes.txt", "+import os")
    core = await run_patch(tmp_path, {}, notes, **ruff())
    assert "Diagnostics" not in tool_output(core)


async def test_a_server_that_cannot_start_is_reported_and_the_edit_stands(tmp_path: Path) -> None:
    config = {"lsp_servers": {"gone": {"command": [str(tmp_path / "no-such-server")]}}}
    core = await run_patch(tmp_path, {"hello.py": CLEAN}, ADD_IMPORT, **config)
    out = tool_output(core)
    assert out.startswith("Success. Updated the following files:")
    assert "Diagnostics were not checked (gone: cannot run" in out
    assert core.read("hello.py").startswith("import sys\n")


async def test_query_tools_are_offered_only_with_a_backend(tmp_path: Path) -> None:
    with_server = await run_patch(tmp_path / "a", {"hello.py": CLEAN}, ADD_IMPORT, **ruff())
    assert {"lsp_definition", "lsp_references", "lsp_hover", "lsp_diagnostics"} <= set(
        tool_names(with_server)
    )
    without = await run_patch(tmp_path / "b", {"hello.py": CLEAN}, ADD_IMPORT)
    assert not [n for n in tool_names(without) if n.startswith("lsp_")]
    switched_off = await run_patch(
        tmp_path / "c", {"hello.py": CLEAN}, ADD_IMPORT, **ruff(query_tools=False)
    )
    assert not [n for n in tool_names(switched_off) if n.startswith("lsp_")]


async def test_lsp_diagnostics_and_the_path_policy(tmp_path: Path) -> None:
    (tmp_path / "outside.py").write_text("import os\n")
    model = ScriptedModel(
        reply(
            call("lsp_diagnostics", {"path": "hello.py"}, "d1"),
            call("lsp_diagnostics", {"path": "../outside.py"}, "d2"),
            call("lsp_definition", {"path": "hello.py", "line": 2, "symbol": "greet"}, "d3"),
        ),
        reply(text("Seen.")),
    )
    core = make_core(tmp_path, model, FakeHost(), **ruff())
    core.write("ruff.toml", RUFF_RULES)
    core.write("hello.py", UNUSED_OS + CLEAN)
    try:
        result = await core.agent.run(tasks.ask("What is wrong?", None))
    finally:
        await core.agent.aclose()
    assert result.status in {"answered", "applied", "completed"}, result
    d1 = tool_output(core, "d1")
    assert d1.startswith("hello.py: 1 problem(s) (ruff):")
    assert "hello.py:1:8: warning: `os` imported but unused" in d1
    assert "outside the workspace" in tool_output(core, "d2")
    # ruff answers no definitions: the model is told, the turn goes on.
    assert "the language server could not answer" in tool_output(core, "d3")
    assert "lsp_definition" in tool_names(core)  # read-only: offered for questions too


async def test_a_crashed_server_is_restarted_on_next_use(tmp_path: Path) -> None:
    import os
    import signal

    from codex_lsp.config.intel import LspServerConfig
    from codex_lsp.intel import DocText
    from codex_lsp.lsp_peers import ConfiguredServers

    (tmp_path / "ruff.toml").write_text(RUFF_RULES)
    source = tmp_path / "a.py"
    servers = ConfiguredServers(
        {"ruff": LspServerConfig(command=ruff_server(), files=["*.py"])},
        tmp_path,
        os.environ,
        lambda p: p.relative_to(tmp_path).as_posix(),
    )
    try:
        first = await servers.diagnostics([DocText(source, "import os\n")], True, 15)
        assert [d.code for d in first[source]] == ["F401"]
        peer = servers.peers[0]
        old_pid = peer.pid
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        while peer.running:  # the exit is noticed by the event loop
            await asyncio.sleep(0.01)
        again = await servers.diagnostics([DocText(source, "import sys\n")], True, 15)
        assert [d.message.split("`")[1] for d in again[source]] == ["sys"]
        assert peer.restarts == 1 and peer.pid != old_pid
        assert servers.status() == {"ruff": "running"}
    finally:
        await servers.aclose()
    assert not peer.running
