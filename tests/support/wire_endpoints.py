"""OpenAI's endpoints as the wire-parity peer test needs them, recording every request.

Built inside the peer harness's network namespace (`codex_peer.Netns.start_in`), so the real
Codex CLI and `codex-lsp exec` reach them on the namespace's loopback while the test reads
what they recorded (headers, decoded JSON body) in process.

Endpoints (as OpenAI's; see /work/shared/notes/codex-0.169-observed.md):

* the model server on ``127.0.0.1`` (``/backend-api/codex/responses``): a plain scripted
  server for API-key mode, the token-checking ``ChatGPTBackend`` for ChatGPT mode; both
  decode zstd bodies and answer the WebSocket ``GET`` on ``/responses`` with 426;
* the ChatGPT backend on ``localhost`` over HTTPS (another origin, as Codex requires):
  ``GET /backend-api/wham/accounts/check`` answers the signed-in account, the rest 404;
* the OAuth authority (``/oauth/token`` with one-use refresh tokens) on ``127.0.0.1``.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
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
from .codex_peer import (
    Netns,
    PeerRun,
    add_setting,
    base_env,
    codex_exec_argv,
    lsp_argv,
    write_codex_home,
)
from .model_http import _Handler
from .model_script import Reply, Text
from .model_server import ScriptedModelServer
from .tls_ca import make_ca, tls_context

API_KEY = "sk-test-wire-parity-0000"
MODEL = "gpt-5.5"
PROMPT = "say hi"


@dataclass
class RequestLog:
    """Every request the endpoints got, in order (thread-safe)."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, origin: str, method: str, path: str, headers: dict[str, str], raw: bytes) -> None:
        body: Any = None
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            body = json.loads(raw) if raw.strip() else None
        entry = {"origin": origin, "method": method, "path": path, "headers": headers, "body": body}
        with self.lock:
            self.entries.append(entry)


def _logging_handler(base: type[_Handler], origin: str, log: RequestLog) -> type[_Handler]:
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


@dataclass
class Endpoints:
    """The running endpoints of one mode: their URLs, auth record and what they recorded."""

    mode: str
    model: str
    site: str
    authority: str
    ca_certificate: Path
    """The CA that signed the ChatGPT backend's certificate (`CODEX_CA_CERTIFICATE`)."""
    auth: dict[str, Any]
    """auth.json for both sides' CODEX_HOME."""
    log: RequestLog

    def settings(self) -> dict[str, str]:
        """config.toml's top-level settings pointing a side at these endpoints."""
        settings = {"model": MODEL, "openai_base_url": self.model}
        if self.mode == "chatgpt":
            settings["chatgpt_base_url"] = self.site
        return settings

    def responses(self) -> list[dict[str, Any]]:
        """Recorded `POST …/responses` requests, in order."""
        with self.log.lock:
            entries = list(self.log.entries)
        return [
            r for r in entries
            if r["method"] == "POST" and r["path"].rstrip("/").endswith("/responses")
        ]


def _model_server(mode: str, authority: ScriptedAuthority, log: RequestLog) -> ScriptedModelServer:
    model = ChatGPTBackend(authority) if mode == "chatgpt" else ScriptedModelServer()
    handler: type[_Handler] = ChatGPTBackend.handler_class if mode == "chatgpt" else _Handler
    model.handler_class = _logging_handler(handler, "model", log)
    model.set_default(Reply([Text("hi")]))
    return model


def _auth_record(mode: str, authority: ScriptedAuthority) -> dict[str, Any]:
    if mode != "chatgpt":
        return {"auth_mode": "apikey", "OPENAI_API_KEY": API_KEY}
    record: dict[str, Any] = codex_auth_json(authority.issue())
    record.pop("agent_identity_future_key")
    return record


@contextlib.contextmanager
def wire_endpoints(ns: Netns, mode: str, folder: Path) -> Iterator[Endpoints]:
    """The endpoints of `mode` ("apikey" or "chatgpt") serving inside `ns`; stopped on exit."""
    log = RequestLog()
    with contextlib.ExitStack() as stack:
        authority = ns.start_in(lambda: ScriptedAuthority().__enter__())
        stack.callback(authority.__exit__, None, None, None)
        model = _model_server(mode, authority, log)
        ns.start_in(model.start)
        stack.callback(model.stop)
        ca = make_ca(folder / "tls")

        def site_server() -> ThreadingHTTPServer:
            site = ThreadingHTTPServer(("127.0.0.1", 0), _logging_handler(_SiteHandler, "site", log))
            site.owner = model  # type: ignore[attr-defined]
            # Codex only talks to an HTTPS ChatGPT backend: a test CA's certificate.
            site.socket = tls_context(ca).wrap_socket(site.socket, server_side=True)
            return site

        site = ns.start_in(site_server)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        stack.callback(site.server_close)
        stack.callback(site.shutdown)
        yield Endpoints(
            mode=mode,
            model=f"http://127.0.0.1:{model.port}/backend-api/codex",
            site=f"https://localhost:{site.server_address[1]}/backend-api/",
            authority=authority.url,
            ca_certificate=ca.ca,
            auth=_auth_record(mode, authority),
            log=log,
        )


def _first_request(ep: Endpoints, after: int, run: PeerRun) -> dict[str, Any]:
    requests = ep.responses()
    assert len(requests) > after, f"{run.side} sent no /responses request:\n{run.describe()}"
    return requests[after]


def first_requests(
    ns: Netns,
    binary: Path,
    mode: str,
    folder: Path,
    top: str = "",
    tables: str = "",
    profile: tuple[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(codex-lsp's first `/responses` request, Codex's): `codex exec "say hi"`, then
    `codex-lsp exec "say hi"`, against the same endpoints of `mode`, each with its own
    CODEX_HOME holding the same config.toml (plus the `top` line and the `tables`).
    `profile`: (name, text) written as `<name>.config.toml` and selected with `--profile`."""
    codex_home, lsp_home, work = folder / "codex" / "home", folder / "lsp" / "home", folder / "work"
    work.mkdir(parents=True)
    select: list[str] = []
    with wire_endpoints(ns, mode, folder / "endpoints") as ep:
        for home in (codex_home, lsp_home):
            write_codex_home(home, ep.settings(), ep.auth, tables=tables)
            if top:
                add_setting(home, top)
            if profile is not None:
                (home / f"{profile[0]}.config.toml").write_text(profile[1])
                select = ["--profile", profile[0]]
        tls = {"CODEX_CA_CERTIFICATE": str(ep.ca_certificate)}
        argv = codex_exec_argv(binary, PROMPT, cwd=work)
        argv = [*argv[:-1], *select, argv[-1]]
        theirs = _first_request(ep, 0, ns.run("codex", argv, base_env(codex_home, tls), work))
        seen = len(ep.responses())
        argv = lsp_argv("exec", "--cd", str(work), *select, PROMPT)
        run = ns.run("codex-lsp", argv, base_env(lsp_home, tls), work)
        assert run.returncode == 0, run.describe()
        ours = _first_request(ep, seen, run)
    return ours, theirs
