"""auth.json shared by real processes: two refreshers refresh once, a writer killed with
SIGKILL mid-rewrite leaves the old or the new file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from codex_lsp.auth import authfile
from tests.support.chatgpt_auth import ScriptedAuthority
from tests.unit.test_auth import authority, write_codex_file

__all__ = ["authority"]  # the fixture, used by name

REPO = Path(__file__).resolve().parents[2]


_REFRESHER = """
import asyncio, sys, time
from pathlib import Path
from codex_lsp.auth.account import AuthSettings
from codex_lsp.auth.manager import AuthManager
home = Path(sys.argv[1])
while not (home / "go").exists():
    time.sleep(0.005)
print(asyncio.run(AuthManager(AuthSettings(home)).headers())["Authorization"])
"""


def test_two_processes_sharing_auth_json_refresh_exactly_once(
    tmp_path: Path, authority: ScriptedAuthority
) -> None:
    write_codex_file(tmp_path, authority.issue(access_exp=time.time() - 10))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen([sys.executable, "-c", _REFRESHER, str(tmp_path)], env=env,
                         stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    time.sleep(0.5)
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(authority.refreshes()) == 1
    assert outputs[0] == outputs[1]  # both use the one new token
    print(f"FIGURES auth-two-processes: refreshes={len(authority.refreshes())}")


_WRITER = """
import sys
from pathlib import Path
from codex_lsp.auth import authfile
home = Path(sys.argv[1]); i = 0
while True:
    i += 1
    authfile.write_auth_file(home, {"OPENAI_API_KEY": None, "n": i, "pad": "x" * 200000})
"""


def test_kill_9_during_rewrite_leaves_old_or_new_file(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    authfile.write_auth_file(tmp_path, {"OPENAI_API_KEY": None, "n": 0})
    for delay in (0.3, 0.35, 0.4, 0.45, 0.5):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)], env=env)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        record = authfile.read_auth_file(tmp_path)  # parses: never half a file
        assert record is not None and isinstance(record["n"], int)
        assert stat.S_IMODE((tmp_path / "auth.json").stat().st_mode) == 0o600
