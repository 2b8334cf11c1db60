"""Run the real Codex CLI and `codex-lsp exec` against scripted OpenAI endpoints, offline.

Everything runs inside a fresh network namespace where only `lo` is up, so neither side can
reach the Internet.  The servers run in a child process inside the namespace
(``python -m tests.support.codex_wire_peer serve``): the test process cannot reach the
namespace's loopback, so that child writes the ports to ``ports.json`` and appends every
request it gets to ``requests.jsonl`` (headers, decoded JSON body) in a folder both share.

Endpoints (as OpenAI's; see /work/shared/notes/codex-0.169-observed.md):

* the model server on ``127.0.0.1`` (``/backend-api/codex/responses``): a plain scripted
  server for API-key mode, the token-checking ``ChatGPTBackend`` for ChatGPT mode; both
  decode zstd bodies and answer the WebSocket ``GET`` on ``/responses`` with 426;
* the ChatGPT backend on ``localhost`` (another origin, as Codex requires):
  ``GET /backend-api/wham/accounts/check`` answers the signed-in account, the rest 404;
* the OAuth authority (``/oauth/token`` with one-use refresh tokens) on ``127.0.0.1``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .chatgpt_auth import (
    ACCOUNT_ID,
    EMAIL,
    PLAN,
    ChatGPTBackend,
    ScriptedAuthority,
    codex_auth_json,
)
from .model_http import _Handler
from .model_script import Reply, Text
from .model_server import ScriptedModelServer
from .tls_ca import make_ca, tls_context

REPO = Path(__file__).resolve().parents[2]
API_KEY = "sk-test-wire-parity-0000"
MODEL = "gpt-5.5"


# -- the server side (runs inside the namespace) ------------------------------------------


class _Log:
    """Appends one JSON line per request to `requests.jsonl` (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()

    def add(self, origin: str, method: str, path: str, headers: dict[str, str], raw: bytes) -> None:
        body: Any = None
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            body = json.loads(raw) if raw.strip() else None
        line = {"origin": origin, "method": method, "path": path, "headers": headers, "body": body}
        with self.lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def _logging_handler(base: type[_Handler], origin: str, log: _Log) -> type[_Handler]:
    class Logged(base):  # type: ignore[misc, valid-type]
        def _read_body(self) -> bytes:
            raw: bytes = super()._read_body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            log.add(origin, self.command, urlsplit(self.path).path, headers, raw)
            return raw

    return Logged


class _SiteHandler(_Handler):
    """The ChatGPT backend's non-model routes that Codex needs before a turn."""

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        self._read_body()
        authority: ScriptedAuthority | None = getattr(self.server.owner, "authority", None)
        token = self.headers.get("authorization", "").partition(" ")[2]
        if authority is None or not authority.valid_access(token):  # as the backend: 401
            self._send_json(401, {"error": {"message": "Unauthorized", "code": "token_expired"}})
            return
        if path.endswith("/wham/accounts/check"):
            account = {
                "id": ACCOUNT_ID,
                "account_id": ACCOUNT_ID,
                "name": None,
                "plan_type": PLAN,
                "structure": "personal",
                "is_deactivated": False,
                "email": EMAIL,
                "is_fedramp_compliant_workspace": False,
                # As OpenAI answers an account without a regional constraint.
                "workspace_backend_origin": "NO_CONSTRAINT",
                "account_routing_override": "NO_CONSTRAINT",
            }
            body = {"accounts": [account], "default_account_id": ACCOUNT_ID}
            self._send_json(200, body)
            return
        self._send_json(404, {"error": {"message": "not found", "code": "not_found"}})


def serve(mode: str, out: Path, homes: list[Path]) -> None:
    """Start the endpoints for `mode`, write auth.json into each home, serve until stdin ends."""
    log = _Log(out / "requests.jsonl")
    with contextlib.ExitStack() as stack:
        authority = stack.enter_context(ScriptedAuthority())
        model: ScriptedModelServer
        if mode == "chatgpt":
            backend = ChatGPTBackend(authority)
            backend.handler_class = _logging_handler(type(backend).handler_class, "model", log)
            model = backend
            tokens = authority.issue()
            record: dict[str, Any] = codex_auth_json(tokens)
            record.pop("agent_identity_future_key")
        else:
            model = ScriptedModelServer()
            model.handler_class = _logging_handler(_Handler, "model", log)
            record = {"auth_mode": "apikey", "OPENAI_API_KEY": API_KEY}
        model.set_default(Reply([Text("hi")]))
        stack.enter_context(model)
        site = ThreadingHTTPServer(("127.0.0.1", 0), _logging_handler(_SiteHandler, "site", log))
        site.owner = model  # type: ignore[attr-defined]
        # Codex only talks to an HTTPS ChatGPT backend: serve it with a test CA's certificate.
        tls = tls_context(make_ca(out / "tls"))
        site.socket = tls.wrap_socket(site.socket, server_side=True)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        stack.callback(site.shutdown)
        for home in homes:
            home.mkdir(parents=True, exist_ok=True)
            (home / "auth.json").write_text(json.dumps(record, indent=2))
            (home / "auth.json").chmod(0o600)
        ports = {
            "model": f"http://127.0.0.1:{model.port}/backend-api/codex",
            "site": f"https://localhost:{site.server_address[1]}/backend-api/",
            "authority": authority.url,
        }
        (out / "ports.json").write_text(json.dumps(ports))
        sys.stdin.read()  # until the test closes our stdin


# -- the test side ---------------------------------------------------------------------


@dataclass
class Namespace:
    """An offline network namespace (only `lo` up); `run` prefixes a command with it."""

    name: str

    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]


@contextlib.contextmanager
def offline_namespace() -> Iterator[Namespace]:
    """A fresh namespace, deleted afterwards.  Needs root (`ip netns add`)."""
    name = f"wire-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield Namespace(name)
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def namespaces_available() -> bool:
    """Whether this process may create network namespaces (root with `ip`)."""
    return os.geteuid() == 0 and subprocess.run(["which", "ip"], capture_output=True).returncode == 0


@dataclass
class Endpoints:
    """The running server child and where its endpoints are."""

    process: subprocess.Popen[str]
    folder: Path
    model: str
    site: str
    authority: str

    @property
    def ca_certificate(self) -> Path:
        """The CA that signed the ChatGPT backend's certificate (`CODEX_CA_CERTIFICATE`)."""
        return self.folder / "tls" / "ca.pem"

    def requests(self) -> list[dict[str, Any]]:
        path = self.folder / "requests.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def responses(self) -> list[dict[str, Any]]:
        """Recorded `POST …/responses` requests, in order."""
        return [
            r
            for r in self.requests()
            if r["method"] == "POST" and r["path"].rstrip("/").endswith("/responses")
        ]


@contextlib.contextmanager
def endpoints(ns: Namespace, mode: str, folder: Path, homes: list[Path]) -> Iterator[Endpoints]:
    """Start the server child for `mode` in `ns`; stop it on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [
        *ns.prefix(),
        sys.executable,
        "-m",
        "tests.support.codex_wire_peer",
        "serve",
        "--mode",
        mode,
        "--out",
        str(folder),
        *[arg for home in homes for arg in ("--home", str(home))],
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, text=True, cwd=REPO, env=env)
    try:
        ports_file = folder / "ports.json"
        deadline = time.monotonic() + 30
        while not ports_file.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the endpoint child did not start (exit {proc.poll()})")
            time.sleep(0.05)
        ports = json.loads(ports_file.read_text())
        yield Endpoints(proc, folder, ports["model"], ports["site"], ports["authority"])
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def clean_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no proxies, no keys, no XDG state from the machine."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({"HOME": str(home.parent), "CODEX_HOME": str(home), "TERM": "dumb"})
    env.update(extra or {})
    return env


def write_config(home: Path, ep: Endpoints, mode: str) -> None:
    """One config.toml both programs read: the model, the endpoints, no update check."""
    lines = [
        f'model = "{MODEL}"',
        f'openai_base_url = "{ep.model}"',
        "check_for_update_on_startup = false",
    ]
    if mode == "chatgpt":
        lines.append(f'chatgpt_base_url = "{ep.site}"')
    lines += ["", "[analytics]", "enabled = false", ""]
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("\n".join(lines))


def codex_command(binary: Path, cwd: Path) -> list[str]:
    """`codex exec "say hi"` (its config.toml points it at the endpoints)."""
    return [str(binary), "exec", "--skip-git-repo-check", "-C", str(cwd), "say hi"]


def lsp_command(cwd: Path) -> list[str]:
    """`codex-lsp exec "say hi"` (its config.toml points it at the endpoints)."""
    return [sys.executable, "-m", "codex_lsp", "exec", "--cd", str(cwd), "say hi"]


def run_in(
    ns: Namespace, cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `cmd` inside `ns` with `env`, capturing its output."""
    return subprocess.run(
        [*ns.prefix(), *cmd],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="codex_wire_peer")
    sub = parser.add_subparsers(dest="command", required=True)
    srv = sub.add_parser("serve")
    srv.add_argument("--mode", choices=("apikey", "chatgpt"), required=True)
    srv.add_argument("--out", type=Path, required=True)
    srv.add_argument("--home", type=Path, action="append", default=[])
    args = parser.parse_args(argv)
    serve(args.mode, args.out, args.home)
    return 0


if __name__ == "__main__":
    sys.exit(main())
