"""The daemon's zygote refuses other code (checked in a fresh, thread-free interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codex_lsp import __version__
from codex_lsp.daemon import zygote

REPO = Path(__file__).resolve().parents[2]


def test_a_zygote_of_other_code_is_refused() -> None:
    request = {"version": __version__, "fingerprint": "aaaa", "env": {}, "cwd": "/"}
    # Accepted only in a process without threads (a fresh one: this test process may have
    # started threads in earlier tests, and then the zygote rightly refuses to fork).
    check = (
        "from codex_lsp import __version__; from codex_lsp.daemon import zygote; "
        "print(zygote._refusal({'version': __version__, 'fingerprint': 'aaaa', "
        "'env': {}, 'cwd': '/'}, 'aaaa'))"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert fresh.stdout.strip() == "None"
    refused = zygote._refusal({**request, "fingerprint": "bbbb"}, "aaaa")
    assert refused is not None and "bbbb" in refused
    assert zygote._refusal({**request, "version": "9.9"}, "aaaa") is not None
    assert zygote._refusal({**request, "env": None}, "aaaa") is not None
