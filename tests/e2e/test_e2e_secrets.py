"""Suite 5, secrets: a planted API key and bearer token never leave the server.

The key sits in the provider's `env_key` variable and the token in an
`env_http_headers` variable, both named so that Codex's default shell
excludes (*KEY*, *SECRET*, *TOKEN*) do not catch them. The server runs at
debug level; a normal turn, a shell `env`, a 401 and a 500 echoing the key,
and `codex.status` then must not show either value anywhere the user or the
model can see: the log (file or stderr), `$/progress`, `codex/event`,
messages, command results, the sessions files, nor the shell's environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.lsp_client import Editor
from tests.support.model_server import FunctionCall, HttpError, Reply, ScriptedModelServer, Text

pytestmark = pytest.mark.e2e

API_KEY = "sk-test-PLANTED-key-0123456789abcdef"
BEARER = "tok-PLANTED-bearer-9876543210fedcba"
SECRETS = (API_KEY, BEARER, API_KEY[-12:], BEARER[-12:])


def secret_config(home: Path, base_url: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'''model = "test-model"
model_provider = "scripted"
approval_policy = "never"
sandbox_mode = "danger-full-access"

[model_providers.scripted]
name = "Scripted"
base_url = "{base_url}"
env_key = "SCRIPTED_AUTH"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
env_http_headers = {{ "X-Gateway-Auth" = "SCRIPTED_GATEWAY" }}
'''
    )


def leaks(where: str, text: str) -> list[str]:
    return [f"{where}: ...{text[max(0, text.find(s) - 60):text.find(s) + len(s)]!r}" for s in SECRETS if s in text]


def body_text(model: ScriptedModelServer, index: int) -> str:
    return json.dumps(model.requests[index].body)


@pytest.mark.parametrize("log_to", ["file", "stderr"])
async def test_planted_secrets_never_leak(
    workspace: Path, tmp_path: Path, model: ScriptedModelServer, capfd: pytest.CaptureFixture[str], log_to: str
) -> None:
    home = tmp_path / "codex-home"
    secret_config(home, model.base_url)
    log_file = tmp_path / "server.log"
    env = {
        "CODEX_HOME": str(home),
        "SCRIPTED_AUTH": API_KEY,
        "SCRIPTED_GATEWAY": f"Bearer {BEARER}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "HOME": str(tmp_path / "home"),
    }
    ed = Editor(workspace, env)
    ed.server_args = ["-v", "--log-file", str(log_file)] if log_to == "file" else ["-v"]
    echo = {"error": {"message": f"Incorrect API key provided: {API_KEY} (auth Bearer {BEARER})", "type": "invalid_request_error", "code": "invalid_api_key"}}
    model.script(
        Reply([FunctionCall("shell", {"command": ["env"]})]),
        Reply([Text("The environment looks fine.")]),
        HttpError(401, body=echo),
        HttpError(500, body={"error": {"message": f"upstream rejected key {API_KEY}", "type": "server_error"}}),
    )
    results: list[Any] = []
    try:
        await ed.start()
        results.append(await ed.command("codex.runTask", {"prompt": "show me the env"}))
        assert results[0]["status"] == "answered", results[0]
        results.append(await ed.command("codex.ask", {"prompt": "again?"}))
        results.append(await ed.command("codex.ask", {"prompt": "and again?"}))
        results.append(await ed.command("codex.status"))
        results.append(await ed.command("codex.listThreads"))
    finally:
        await ed.stop()
    # The secrets were really in use: the model saw both as headers.
    headers = model.requests[0].headers
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["x-gateway-auth"] == f"Bearer {BEARER}"
    assert [r["status"] for r in results[1:3]] == ["failed", "failed"], results
    shell_output = body_text(model, 1)

    found: list[str] = []
    found += leaks("shell output sent to the model", shell_output)
    found += leaks("command results", json.dumps(results))
    found += leaks("codex/event", json.dumps(ed.state.events))
    found += leaks("$/progress", json.dumps(ed.state.progress))
    found += leaks("window messages", json.dumps(ed.state.messages + ed.state.message_requests))
    found += leaks("stderr", capfd.readouterr().err)
    if log_to == "file":
        log = log_file.read_text()
        assert "DEBUG" in log  # -v really logged at debug level
        found += leaks("log file", log)
    for path in sorted(p for p in home.rglob("*") if p.is_file() and p.name != "config.toml"):
        found += leaks(str(path.relative_to(home)), path.read_text(errors="replace"))
    for path in sorted((tmp_path / "cache").rglob("*")):
        if path.is_file():
            found += leaks(f"cache {path.name}", path.read_text(errors="replace"))
    print(f"FIGURES secrets ({log_to}): {len(SECRETS)} planted values, {len(results)} commands, "
          f"{len(ed.state.events)} events, {len(ed.state.progress)} progress, {len(found)} leaks")
    assert found == [], "\n".join(found)
    assert "Exit code: 0" in shell_output and "HOME=" in shell_output
    # The errors still say what happened, with the echoed credentials masked.
    assert "refused the credentials (401)" in results[1]["error"] and "[REDACTED]" in results[1]["error"]
    assert "failed (500): upstream rejected key [REDACTED]" in results[2]["error"]
