"""A scripted OpenAI authority and a scripted ChatGPT backend on 127.0.0.1, for sign-in tests.

Built from what Codex's client expects of them (codex-rs/login: server.rs,
device_code_auth.rs, auth/manager.rs, auth/revoke.rs), not from our client:

* ``ScriptedAuthority``: ``GET /oauth/authorize`` (checks client id, S256, redirect URI;
  answers 302 to ``redirect_uri?code&state`` like a signed-in browser session),
  ``POST /oauth/token`` (form ``authorization_code`` with PKCE check, form token-exchange
  for an API key, JSON ``refresh_token`` with rotation: each refresh token works once and
  the answer carries a new one; a spent one answers 401 ``refresh_token_reused``, an
  unknown or revoked one 401 ``refresh_token_invalidated``, both in OpenAI's error shape
  as Codex users have logged it), ``POST /oauth/revoke``, ``POST /api/accounts/deviceauth/
  usercode`` and ``/token`` (403 while pending). Tokens are JWTs made here.
* ``ChatGPTBackend`` (``chatgpt_backend.py``, re-exported here).

Every request is recorded (``authority.requests``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .refresh_gate import RefreshGate

CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
ACCOUNT_ID = "acct-test-123"
EMAIL = "dev@example.com"
PLAN = "plus"


REUSED_MESSAGE = (
    "Your refresh token has already been used to generate a new access token. "
    "Please try signing in again."
)
INVALIDATED_MESSAGE = "Your refresh token has been invalidated. Please try signing in again."


def openai_error(message: str, code: str) -> dict[str, Any]:
    """An error body in OpenAI's shape (codex-rs reads `error.code`)."""
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    }


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(payload: dict[str, Any]) -> str:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(payload).encode())}.{b64url(b'sig')}"


def id_token(account_id: str = ACCOUNT_ID, email: str = EMAIL, plan: str = PLAN) -> str:
    return make_jwt(
        {
            "email": email,
            "https://api.openai.com/auth": {
                "chatgpt_account_id": account_id,
                "chatgpt_plan_type": plan,
                "chatgpt_user_id": "user-1",
            },
        }
    )


def access_token(serial: int, exp: float, account_id: str = ACCOUNT_ID) -> str:
    return make_jwt(
        {
            "exp": int(exp),
            "jti": f"at-{serial}",
            "https://api.openai.com/auth": {"chatgpt_account_id": account_id},
        }
    )


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class AuthorityState:
    access_ttl: float = 3600.0
    account_id: str = ACCOUNT_ID
    api_key_exchange_fails: bool = False
    pending_polls: int = 2
    serial: int = 0
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    live_refresh: set[str] = field(default_factory=set)
    spent_refresh: set[str] = field(default_factory=set)
    access: dict[str, float] = field(default_factory=dict)
    revoked: list[str] = field(default_factory=list)
    device: dict[str, Any] = field(default_factory=dict)
    refresh_error: dict[str, Any] | None = None


class _AuthorityHandler(BaseHTTPRequestHandler):
    server: _AuthorityServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> tuple[bytes, Any]:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype:
            return raw, json.loads(raw or b"null")
        return raw, dict(parse_qsl(raw.decode()))

    def _send(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._handle(None)

    def do_POST(self) -> None:
        self._handle(self._body()[1])

    def _handle(self, body: Any) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        owner = self.server.owner
        headers = {k.lower(): v for k, v in self.headers.items()}
        is_refresh = isinstance(body, dict) and body.get("grant_type") == "refresh_token"
        held = is_refresh and owner.gate.hold(id(self), headers.get("user-agent", ""))
        try:
            with owner.lock:
                owner.requests.append(Recorded(self.command, url.path, query, headers, body))
                status, obj, extra = owner.route(self.command, url.path, query, body)
            self._send(status, obj, extra)
        finally:
            if held:
                owner.gate.done()


class _AuthorityServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedAuthority


class ScriptedAuthority:
    """See the module docstring; `state` holds the knobs and what was issued."""

    def __init__(self) -> None:
        self.state = AuthorityState()
        self.gate = RefreshGate()
        """Arm it to make concurrent refreshes with one token really race (refresh_gate.py)."""
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self._httpd = _AuthorityServer(("127.0.0.1", 0), _AuthorityHandler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> ScriptedAuthority:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def env(self) -> dict[str, str]:
        return {"CODEX_LOGIN_ISSUER": self.url}

    def paths(self, path: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def refreshes(self) -> list[Recorded]:
        return [
            r
            for r in self.paths("/oauth/token")
            if isinstance(r.body, dict) and r.body.get("grant_type") == "refresh_token"
        ]

    # ---- issuing -----------------------------------------------------------------

    def issue(self, access_exp: float | None = None) -> dict[str, str]:
        """A fresh token set (also what a sign-in made by Codex would have stored)."""
        with self.lock:
            st = self.state
            st.serial += 1
            exp = access_exp if access_exp is not None else time.time() + st.access_ttl
            at = access_token(st.serial, exp, st.account_id)
            rt = f"rt-{st.serial}-" + b64url(hashlib.sha256(str(st.serial).encode()).digest())
            st.access[at] = exp
            st.live_refresh.add(rt)
            return {"id_token": id_token(st.account_id), "access_token": at, "refresh_token": rt}

    def valid_access(self, token: str) -> bool:
        with self.lock:
            exp = self.state.access.get(token)
            return exp is not None and exp > time.time()

    def expire_access(self, token: str) -> None:
        """The backend refuses `token` from now on (as after a server-side revocation)."""
        with self.lock:
            self.state.access[token] = 0.0

    def approve_device(self) -> None:
        with self.lock:
            self.state.pending_polls = 0

    # ---- routes ------------------------------------------------------------------

    def route(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str] | None]:
        if method == "GET" and path == "/oauth/authorize":
            return self._authorize(query)
        if path == "/oauth/token":
            return self._token(body)
        if path == "/oauth/revoke":
            self.state.revoked.append(str((body or {}).get("token")))
            self.state.live_refresh.discard(str((body or {}).get("token")))  # now invalidated
            return 200, {}, None
        if path == "/api/accounts/deviceauth/usercode":
            if (body or {}).get("client_id") != CLIENT_ID:
                return 400, {"error": "invalid_client"}, None
            self.state.device = {"device_auth_id": "dev-1", "user_code": "ABCD-1234"}
            return 200, {**self.state.device, "interval": "0"}, None
        if path == "/api/accounts/deviceauth/token":
            return self._device_poll(body)
        return 404, {"error": "not_found"}, None

    def _authorize(self, q: dict[str, str]) -> tuple[int, Any, dict[str, str] | None]:
        redirect = q.get("redirect_uri", "")
        ok_redirect = redirect in (
            "http://localhost:1455/auth/callback",
            "http://localhost:1457/auth/callback",
        )
        if q.get("client_id") != CLIENT_ID or not ok_redirect:
            return 400, {"error": "invalid_request"}, None
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return 400, {"error": "invalid_request"}, None
        code = f"code-{len(self.state.codes) + 1}"
        self.state.codes[code] = (q["code_challenge"], redirect)
        location = f"{redirect}?{urlencode({'code': code, 'state': q.get('state', '')})}"
        return 302, None, {"Location": location}

    def _token(self, body: Any) -> tuple[int, Any, dict[str, str] | None]:
        body = body or {}
        grant = body.get("grant_type")
        if body.get("client_id") != CLIENT_ID:
            return 401, {"error": "invalid_client"}, None
        if grant == "authorization_code":
            bound = self.state.codes.pop(str(body.get("code")), None)
            verifier = str(body.get("code_verifier", ""))
            challenge = b64url(hashlib.sha256(verifier.encode()).digest())
            if bound is None or bound != (challenge, body.get("redirect_uri")):
                return 400, {"error": "invalid_grant"}, None
            return 200, self.issue(), None
        if grant == "urn:ietf:params:oauth:grant-type:token-exchange":
            if self.state.api_key_exchange_fails:
                return 403, {"error": "forbidden"}, None
            return 200, {"access_token": "sk-exchanged-api-key-0000000000"}, None
        if grant == "refresh_token":
            return self._refresh(str(body.get("refresh_token")))
        return 400, {"error": "unsupported_grant_type"}, None

    def _refresh(self, token: str) -> tuple[int, Any, dict[str, str] | None]:
        """One-use, rotating refresh tokens; failures as OpenAI's authority words them."""
        st = self.state
        if st.refresh_error is not None:
            return 401, st.refresh_error, None
        if token in st.spent_refresh:
            return 401, openai_error(REUSED_MESSAGE, "refresh_token_reused"), None
        if token not in st.live_refresh:
            return 401, openai_error(INVALIDATED_MESSAGE, "refresh_token_invalidated"), None
        st.live_refresh.discard(token)
        st.spent_refresh.add(token)
        return 200, self.issue(), None

    def _device_poll(self, body: Any) -> tuple[int, Any, dict[str, str] | None]:
        if body != self.state.device:
            return 400, {"error": "bad_device"}, None
        if self.state.pending_polls > 0:
            self.state.pending_polls -= 1
            return 403, {"error": "authorization_pending"}, None
        verifier = b64url(b"device-verifier-" + b"x" * 40)
        challenge = b64url(hashlib.sha256(verifier.encode()).digest())
        code = "dev-code-1"
        self.state.codes[code] = (challenge, f"{self.url}/deviceauth/callback")
        return (
            200,
            {
                "authorization_code": code,
                "code_challenge": challenge,
                "code_verifier": verifier,
            },
            None,
        )


def codex_auth_json(
    tokens: dict[str, str], last_refresh: str = "2025-01-01T00:00:00.123456789Z"
) -> dict[str, Any]:
    """auth.json exactly as Codex writes it (serde field order, plus a newer unknown key)."""
    return {
        "auth_mode": "chatgpt",
        "OPENAI_API_KEY": None,
        "tokens": {**tokens, "account_id": ACCOUNT_ID},
        "last_refresh": last_refresh,
        "agent_identity_future_key": {"kept": True},
    }


# Re-exported for the tests that import it from here; last, as it needs the names above.
from .chatgpt_backend import ChatGPTBackend as ChatGPTBackend  # noqa: E402
