"""codex_lsp.config imports nothing from codex_lsp.lsp (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys


def test_package_has_no_lsp_imports() -> None:
    code = (
        "import sys, codex_lsp.config; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
