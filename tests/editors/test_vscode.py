"""The VS Code extension (editors/vscode): its unit tests and its real-workbench scenarios.

`.ci/setup-vscode.sh` installs what these need: the npm dependencies, the packaged `.vsix`,
and (cached under editors/vscode/.e2e-cache/) Node 24 + code-server; Debian `chromium`
comes from .ci/apt-packages-vscode.txt. Each e2e scenario is one
`node test/e2e/run.mjs <scenario>`: a fresh code-server workbench in headless Chromium with
the `.vsix` installed, the real `codex-lsp` (this interpreter's, first on PATH) and the
scripted model server. Without the setup the tests skip, except under CI=true, where
they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXT = REPO / "editors" / "vscode"
NODE = shutil.which("node")
IN_CI = os.environ.get("CI", "").lower() == "true"
SETUP_HINT = "run `bash .ci/setup-vscode.sh` (with the venv active) first"

SCENARIOS = [
    "apply",
    "codexComment",
    "saveAfterApply",
    "reject",
    "codeAction",
    "hunks",
    "noKey",
    "askAndCancel",
    "settingsAndRestart",
    "commandApproval",
    "noServer",
    "bundled",
    "noPython",
    "reviewFindings",
    "inlineCompletion",
    "panel",
    "panelReload",
    "panelHunks",
    "panelImage",
    "panelQuestions",
    "intel",
]
SCENARIO_TIMEOUT_SEC = 240


def _vsix() -> Path:
    pkg = json.loads((EXT / "package.json").read_text())
    return EXT / f"{pkg['name']}-{pkg['version']}.vsix"


def _missing_for_unit() -> list[str]:
    missing = []
    if NODE is None:
        missing.append("node on PATH")
    if not (EXT / "node_modules" / "mocha").is_dir():
        missing.append("editors/vscode/node_modules")
    return missing


def _missing_for_e2e() -> list[str]:
    cache = EXT / ".e2e-cache"
    missing = _missing_for_unit()
    if not (cache / "node-24.21.0" / "bin" / "node").exists():
        missing.append("Node 24 in editors/vscode/.e2e-cache")
    if not (cache / "code-server-4.139.1" / ".installed").exists():
        missing.append("code-server in editors/vscode/.e2e-cache")
    if not Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")).exists():
        missing.append("Debian chromium")
    if not _vsix().exists():
        missing.append(f"{_vsix().name} (npm run package)")
    return missing


def _require(missing: list[str]) -> None:
    if not missing:
        return
    message = f"missing {', '.join(missing)}: {SETUP_HINT}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["CODEX_LSP_PYTHON"] = sys.executable
    proc = subprocess.run(
        args,
        cwd=EXT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    # Shown by pytest only when the test fails.
    print(proc.stdout[-20000:])
    print(proc.stderr[-20000:], file=sys.stderr)
    return proc


def test_unit_tests() -> None:
    _require(_missing_for_unit())
    assert NODE is not None
    proc = _run([NODE, "esbuild.mjs", "--tests"], timeout=120)
    assert proc.returncode == 0, "building the unit tests failed"
    mocha = EXT / "node_modules" / "mocha" / "bin" / "mocha.js"
    proc = _run([NODE, str(mocha), "--reporter", "spec", "out/test/unit/**/*.test.js"], timeout=120)
    assert proc.returncode == 0, "mocha unit tests failed"
    assert " passing" in proc.stdout
    assert " failing" not in proc.stdout


@pytest.mark.e2e
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_workbench_scenario(scenario: str) -> None:
    _require(_missing_for_e2e())
    assert NODE is not None
    proc = _run([NODE, "test/e2e/run.mjs", scenario], timeout=SCENARIO_TIMEOUT_SEC)
    assert proc.returncode == 0, f"scenario {scenario} failed (see output)"
    skip = [line for line in proc.stdout.splitlines() if f"=== SKIP {scenario}:" in line]
    if skip:
        # The scenario needs a server feature that is not there yet (it says which).
        pytest.skip(skip[0].split("=== SKIP ", 1)[1])
    assert "1 passed, 0 failed" in proc.stdout
