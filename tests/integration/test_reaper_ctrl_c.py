"""Ctrl-C in an exec_command terminal goes to the whole foreground group, the reaper
included: the command decides what SIGINT means (a dev server cleans up and exits 0), as
under the real Codex, instead of the reaper SIGKILLing it mid-cleanup with 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import codex_lsp.sandbox.reaper as reaper

SERVER = """
import pathlib, signal, sys, time
def stop(*_):
    time.sleep(0.3)  # cleaning up takes a moment
    pathlib.Path(sys.argv[1]).write_text("cleaned")
    sys.exit(0)
signal.signal(signal.SIGINT, stop)
print("serving", flush=True)
while True:
    time.sleep(1)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="child subreapers are Linux's")
def test_sigint_to_the_group_lets_the_command_clean_up(tmp_path: Path) -> None:
    done = tmp_path / "cleaned"
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", reaper.__file__, "--", sys.executable, "-c", SERVER, str(done)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "serving\n"
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    assert proc.wait(timeout=30) == 0
    assert done.read_text() == "cleaned"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="child subreapers are Linux's")
def test_sigterm_still_kills_the_tree() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", reaper.__file__, "--", "sleep", "60"], start_new_session=True
    )
    time.sleep(0.2)  # let it spawn the child (no timing is asserted)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
