"""Browser sign-in: authorization code + PKCE with a callback server on 127.0.0.1.

As codex-rs/login/src/server.rs: port 1455, then 1457 (the only redirect URIs the
authority accepts, so never a random port); a busy port first gets `GET /cancel`
(what a waiting Codex login server understands). `redirect_uri` is
`http://localhost:<port>/auth/callback`; the callback's `state` must match; the
code is exchanged, the workspace checked, the optional API key fetched, the
sign-in stored; then the browser is sent to `/success`. `/cancel` ends a waiting
sign-in. The whole wait is bounded (10 minutes) and `cancel()` ends it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit

from codex_lsp.auth.account import AuthSettings
from codex_lsp.auth.endpoints import CLIENT_ID, originator
from codex_lsp.auth.errors import CANCELLED, ENTITLEMENT, LOGIN_FAILED, AuthError
from codex_lsp.auth.exchange import (
    ensure_workspace_allowed,
    exchange_code,
    obtain_api_key,
    store_sign_in,
)
from codex_lsp.auth.pkce import Pkce, generate_pkce, generate_state

log = logging.getLogger(__name__)

DEFAULT_PORT = 1455
FALLBACK_PORT = 1457
LOGIN_TIMEOUT = 600.0
SCOPE = "openid profile email offline_access api.connectors.read api.connectors.invoke"
_BIND_ATTEMPTS = 10
_BIND_DELAY = 0.2

SUCCESS_PAGE = (
    "<!doctype html><title>Signed in</title><h1>Signed in to codex-lsp</h1>"
    "<p>You can close this tab and return to your editor.</p>"
)


def authorize_url(
    issuer: str, redirect_uri: str, pkce: Pkce, state: str, workspaces: tuple[str, ...]
) -> str:
    """`{issuer}/oauth/authorize?...` with Codex's parameters, in its order."""
    query = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", redirect_uri),
        ("scope", SCOPE),
        ("code_challenge", pkce.challenge),
        ("code_challenge_method", "S256"),
        ("id_token_add_organizations", "true"),
        ("codex_cli_simplified_flow", "true"),
        ("state", state),
        ("originator", originator()),
    ]
    if workspaces:
        query.append(("allowed_workspace_id", ",".join(workspaces)))
    return f"{issuer}/oauth/authorize?{urlencode(query)}"


def callback_error_message(error: str, description: str | None) -> str:
    """Codex's wording for an error the authority sent back to the callback."""
    if error == "access_denied" and "missing_codex_entitlement" in (description or "").lower():
        return (
            "Codex is not enabled for your workspace (missing_codex_entitlement). "
            "Contact your workspace administrator to request access to Codex."
        )
    detail = description.strip() if description and description.strip() else error
    return f"Sign-in failed: {detail}"


async def ask_to_cancel(port: int) -> bool:
    """`GET /cancel` to whatever holds the port; True when a Codex login server answered."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(
            f"GET /cancel HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(4096), 2)
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return b"Login cancelled" in answer


class BrowserLogin:
    """One browser sign-in: `start()`, show `url`, then `wait()` (or `cancel()`)."""

    def __init__(self, settings: AuthSettings, issuer: str, ports: tuple[int, int] | None = None):
        self.settings = settings
        self.issuer = issuer
        self.ports = ports or (DEFAULT_PORT, FALLBACK_PORT)
        self.pkce = generate_pkce()
        self.state = generate_state()
        self.url = ""
        self.port = 0
        self.notes: list[str] = []
        """What happened on the way (e.g. another sign-in was cancelled), for the user."""
        self._server: asyncio.Server | None = None
        self._done: asyncio.Future[None] | None = None
        self._success_served = asyncio.Event()

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.port}/auth/callback"

    async def start(self) -> str:
        """Bind the callback server and return the authorize URL."""
        self._done = asyncio.get_running_loop().create_future()
        self._server, self.port = await self._bind()
        self.url = authorize_url(
            self.issuer,
            self.redirect_uri,
            self.pkce,
            self.state,
            self.settings.forced_workspace_ids,
        )
        return self.url

    async def _bind(self) -> tuple[asyncio.Server, int]:
        preferred, fallback = self.ports
        for port in (preferred, fallback):
            for attempt in range(_BIND_ATTEMPTS):
                try:
                    server = await asyncio.start_server(self._handle, "127.0.0.1", port)
                    return server, port
                except OSError:
                    if attempt == 0 and port == preferred and await ask_to_cancel(port):
                        self.notes.append(
                            f"Cancelled another sign-in (a Codex login server) on port {port}."
                        )
                    await asyncio.sleep(_BIND_DELAY)
        raise AuthError(
            f"Ports {preferred} and {fallback} on 127.0.0.1 are in use by another program (not "
            "a Codex login server that could be cancelled). Free one of them, or use the "
            "device code sign-in (`codex-lsp login --device-auth`).",
            LOGIN_FAILED,
        )

    async def wait(self, timeout: float = LOGIN_TIMEOUT) -> None:
        """Until the sign-in is stored, fails, is cancelled or times out."""
        assert self._done is not None, "start() first"
        try:
            await asyncio.wait_for(asyncio.shield(self._done), timeout)
            with contextlib.suppress(TimeoutError):  # let the browser load /success
                await asyncio.wait_for(self._success_served.wait(), 2)
        except TimeoutError:
            raise AuthError(
                f"Sign-in timed out after {timeout / 60:.0f} minutes.", LOGIN_FAILED
            ) from None
        finally:
            await self.close()

    def cancel(self) -> None:
        """End a waiting sign-in (`wait()` raises a `cancelled` AuthError)."""
        self._finish(AuthError("Sign-in cancelled.", CANCELLED))

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    def _finish(self, error: AuthError | None) -> None:
        if self._done is not None and not self._done.done():
            if error is None:
                self._done.set_result(None)
            else:
                self._done.set_exception(error)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
            status, headers, body = await self._route(target)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, IndexError):
            status, headers, body = 400, {}, "Bad Request"
        except OSError:
            return
        data = body.encode("utf-8")
        lines = [f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}"]
        lines += [
            f"{k}: {v}"
            for k, v in {**headers, "Content-Length": str(len(data)), "Connection": "close"}.items()
        ]
        with contextlib.suppress(OSError):
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
            await writer.drain()
            writer.close()

    async def _route(self, target: str) -> tuple[int, dict[str, str], str]:
        url = urlsplit(target)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path == "/auth/callback":
            return await self._callback(params)
        if url.path == "/success":
            self._success_served.set()
            return 200, {"Content-Type": "text/html; charset=utf-8"}, SUCCESS_PAGE
        if url.path == "/cancel":
            self.cancel()
            return 200, {}, "Login cancelled"
        return 404, {}, "Not Found"

    async def _callback(self, params: dict[str, str]) -> tuple[int, dict[str, str], str]:
        if params.get("state") != self.state:
            log.warning("login callback state mismatch")
            return 400, {}, "State mismatch"
        if params.get("error"):
            message = callback_error_message(params["error"], params.get("error_description"))
            entitled = "missing_codex_entitlement" not in message
            self._finish(AuthError(message, LOGIN_FAILED if entitled else ENTITLEMENT))
            return 403, {"Content-Type": "text/plain; charset=utf-8"}, message
        code = params.get("code")
        if not code:
            message = "Missing authorization code. Sign-in could not be completed."
            self._finish(AuthError(message, LOGIN_FAILED))
            return 400, {}, message
        try:
            tokens = await exchange_code(self.issuer, self.redirect_uri, self.pkce.verifier, code)
            ensure_workspace_allowed(self.settings, tokens.id_token)
            api_key = await obtain_api_key(self.issuer, tokens.id_token)
            await store_sign_in(self.settings, tokens, api_key)
        except AuthError as exc:
            self._finish(exc)
            return 400, {"Content-Type": "text/plain; charset=utf-8"}, exc.message
        self._finish(None)
        return 302, {"Location": f"http://localhost:{self.port}/success"}, ""
