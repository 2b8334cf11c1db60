"""The server answers its first commands without loading the HTTP stack; a model request
loads it (in the background after start-up, or on first use). Checked in fresh interpreters."""

from __future__ import annotations

import json
import subprocess
import sys

from codex_lsp import cli
from tests.support.lsp_client import REPO

HTTP_STACK = ("httpx", "httpx_sse", "urllib.request", "http.client", "xml.sax")


def _modules_after(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    return set(json.loads(out.stdout))


def test_loading_the_server_loads_no_http_stack() -> None:
    loaded = _modules_after("import codex_lsp.lsp.server")
    assert "lsprotocol.types" in loaded and "codex_lsp.agent.engine" in loaded
    assert not loaded & set(HTTP_STACK)


def test_what_the_first_turn_preloads_exists() -> None:
    """The preload skips a missing module quietly, so a renamed one must fail here."""
    loaded = _modules_after("import " + ", ".join(cli.FIRST_TURN_IMPORTS))
    assert {"httpx", "httpx_sse", "codex_lsp.models.responses"} <= loaded
