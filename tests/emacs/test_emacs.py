"""Emacs + Eglot, the real editor: `emacs --batch` with Debian's `elpa-eglot`.

Each test writes a workspace and a CODEX_HOME pointing at the scripted model server, then
runs `emacs --batch -l tests/emacs/driver.el`: Emacs opens the file, Eglot starts the
real server (this interpreter's `-m codex_lsp`, this checkout first on PYTHONPATH) and
the code actions run through `eglot-code-actions` on the whole buffer. Every prompt
(the action menu, the Apply/Reject question, Eglot's "Server wants to edit") reads its
answer from stdin, exactly as batch Emacs does for a user typing. Skipped only when
`emacs` or Eglot is missing (`.ci/apt-packages-emacs.txt` installs both).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import write_config
from tests.support.model_server import FunctionCall, Reply, ScriptedModelServer, Text

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DRIVER = HERE / "driver.el"
EMACS = shutil.which("emacs")
EMACS_TIMEOUT_SEC = 90
TEST_KEY = "sk-test-emacs"


def _has_eglot() -> bool:
    if EMACS is None:
        return False
    probe = "(progn (require 'package) (package-initialize) (require 'eglot))"
    try:
        done = subprocess.run(
            [EMACS, "--batch", "--eval", probe], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not _has_eglot(),
        reason="emacs with Eglot not found (Debian: apt-get install emacs-nox elpa-eglot; "
        "see .ci/apt-packages-emacs.txt)",
    ),
]

GREET = "# codex: use an f-string\ndef greet(name):\n    return 'hi ' + name\n"
PATCH = (
    "*** Begin Patch\n*** Update File: greet.py\n@@ def greet(name):\n"
    "-    return 'hi ' + name\n+    return f\"hi {name}\"\n*** End Patch\n"
)


@pytest.fixture
def model() -> Any:
    with ScriptedModelServer() as server:
        yield server


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    (ws / "greet.py").write_text(GREET)
    return ws


@pytest.fixture
def emacs_env(tmp_path: Path, model: ScriptedModelServer) -> dict[str, str]:
    home = tmp_path / "codex-home"
    write_config(home, model.base_url)
    user_home = tmp_path / "home"
    user_home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "OPENAI_", "EMACS"))}
    env.update(
        {
            "HOME": str(user_home),
            "CODEX_HOME": str(home),
            "CODEX_TEST_KEY": TEST_KEY,
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        }
    )
    return env


def run_emacs(
    workspace: Path, env: dict[str, str], tmp_path: Path, kind: str, answers: list[str]
) -> dict[str, Any]:
    """Run the driver once (hard timeout, whole process group); its JSON result."""
    result_file = tmp_path / "emacs.result.json"
    run_env = {
        **env,
        "CODEX_EMACS_FILE": str(workspace / "greet.py"),
        "CODEX_EMACS_KIND": kind,
        "CODEX_EMACS_RESULT": str(result_file),
        "CODEX_EMACS_SERVER": "\n".join([sys.executable, "-m", "codex_lsp"]),
        "CODEX_EMACS_TIMEOUT": str(EMACS_TIMEOUT_SEC - 20),
    }
    assert EMACS is not None
    proc = subprocess.Popen(
        [EMACS, "--batch", "-l", str(DRIVER)],
        cwd=workspace,
        env=run_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Emacs and the server it starts share one process group
    )
    try:
        output, _ = proc.communicate("".join(f"{a}\n" for a in answers), timeout=EMACS_TIMEOUT_SEC)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        output += f"\n[killed after {EMACS_TIMEOUT_SEC}s]"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert result_file.is_file(), f"emacs exit {proc.returncode}, no result\n{output[-4000:]}"
    result: dict[str, Any] = json.loads(result_file.read_text())
    assert proc.returncode == 0 and "error" not in result, f"{result}\n{output[-4000:]}"
    result["output"] = output  # what batch Emacs printed: the prompts among it
    return result


def test_edit_selection_lands_in_the_emacs_buffer(
    workspace: Path, emacs_env: dict[str, str], tmp_path: Path, model: ScriptedModelServer
) -> None:
    model.script(Reply([FunctionCall("apply_patch", {"input": PATCH})]), Reply([Text("Done.")]))
    # RET takes the menu's default ("Codex: Edit selection…"), then Apply in the server's
    # prompt, then y to Eglot's "Server wants to edit ... Proceed?".
    result = run_emacs(workspace, emacs_env, tmp_path, "refactor.rewrite", ["", "Apply", "y"])
    assert result["text"] == GREET.replace("'hi ' + name", 'f"hi {name}"'), result
    assert result["result"]["status"] == "applied", result["result"]
    assert result["result"]["changedFiles"] == ["greet.py"]
    assert "greet.py (+1 -1)" in result["output"]  # the server's Apply/Reject prompt
    body = model.requests[0].body
    assert body is not None
    prompt = body["input"][-1]["content"][0]["text"]
    assert "use an f-string" in prompt
    assert (workspace / "greet.py").read_text() == GREET  # in the buffer, not yet saved


def test_explain_answer_reaches_the_echo_area(
    workspace: Path, emacs_env: dict[str, str], tmp_path: Path, model: ScriptedModelServer
) -> None:
    model.script(Reply([Text("greet joins 'hi ' and the name.")]))
    result = run_emacs(workspace, emacs_env, tmp_path, "refactor", ["Codex: Explain"])
    assert result["result"]["status"] == "answered", result["result"]
    # Eglot 1.9 announces no window.showDocument: the answer comes as window/showMessage,
    # which Eglot prints in the echo area (and *Messages*).
    assert "greet joins 'hi ' and the name." in result["messages"], result["messages"]
    assert result["text"] == GREET


def test_reject_in_the_prompt_leaves_the_buffer(
    workspace: Path, emacs_env: dict[str, str], tmp_path: Path, model: ScriptedModelServer
) -> None:
    model.script(Reply([FunctionCall("apply_patch", {"input": PATCH})]), Reply([Text("Left it.")]))
    result = run_emacs(workspace, emacs_env, tmp_path, "refactor.rewrite", ["", "Reject"])
    assert result["result"]["status"] == "rejected", result["result"]
    assert result["text"] == GREET
    assert "greet.py (+1 -1)" in result["output"]
