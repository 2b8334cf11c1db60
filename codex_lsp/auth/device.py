"""Device-code sign-in, for machines without a browser (SSH, containers, WSL).

As codex-rs/login/src/device_code_auth.rs: `POST {issuer}/api/accounts/deviceauth/usercode`
JSON `{client_id}` -> `{device_auth_id, user_code | usercode, interval}`; the user
opens `{issuer}/codex/device` and types the code; we poll
`POST {issuer}/api/accounts/deviceauth/token` JSON `{device_auth_id, user_code}`
(403/404 = still pending) at the server's interval for at most 15 minutes; the
answer `{authorization_code, code_verifier, ...}` is exchanged with
`redirect_uri = {issuer}/deviceauth/callback`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from codex_lsp.auth.account import AuthSettings
from codex_lsp.auth.endpoints import CLIENT_ID, auth_client
from codex_lsp.auth.errors import CANCELLED, LOGIN_FAILED, AuthError
from codex_lsp.auth.exchange import ensure_workspace_allowed, exchange_code, store_sign_in
from codex_lsp.net import NetworkSetupError

DEVICE_TIMEOUT = 15 * 60.0
HTTP_TIMEOUT = 30.0
ENABLE_HINT = (
    "Device code sign-in may first have to be enabled in ChatGPT's security settings "
    "(or by your workspace administrator)."
)


@dataclass(frozen=True)
class DeviceCode:
    """What the user needs (URL, code) and what polling needs."""

    verification_url: str
    user_code: str
    device_auth_id: str
    interval: float

    def instructions(self) -> str:
        """What to tell the user, as Codex does."""
        return (
            f"Open {self.verification_url} in a browser, sign in, and enter the code "
            f"{self.user_code} (expires in 15 minutes; never share it). {ENABLE_HINT}"
        )


def _interval(value: Any) -> float:
    try:
        return max(0.0, float(str(value).strip()))
    except ValueError:
        return 5.0


async def request_device_code(issuer: str) -> DeviceCode:
    """Ask the authority for a user code."""
    url = f"{issuer}/api/accounts/deviceauth/usercode"
    try:
        async with auth_client(url, HTTP_TIMEOUT) as http:
            response = await http.post(url, json={"client_id": CLIENT_ID})
    except (httpx.HTTPError, NetworkSetupError) as exc:
        raise AuthError(f"Could not reach {url}: {exc}", LOGIN_FAILED) from exc
    if response.status_code == 404:
        raise AuthError(
            "Device code sign-in is not enabled for this server (404). Use the browser "
            f"sign-in, or check the issuer URL. {ENABLE_HINT}",
            LOGIN_FAILED,
        )
    if response.status_code >= 400:
        raise AuthError(f"Device code request failed ({response.status_code}).", LOGIN_FAILED)
    try:
        data = response.json()
        code = data.get("user_code") or data.get("usercode")
        return DeviceCode(
            f"{issuer}/codex/device",
            str(code),
            str(data["device_auth_id"]),
            _interval(data.get("interval", 5)),
        )
    except (ValueError, KeyError, AttributeError) as exc:
        raise AuthError(f"{url} answered an unexpected body", LOGIN_FAILED) from exc


async def poll_for_code(
    issuer: str, device: DeviceCode, cancelled: asyncio.Event, timeout: float = DEVICE_TIMEOUT
) -> dict[str, Any]:
    """Poll until the user has entered the code; bounded by `timeout`, ends on `cancelled`."""
    url = f"{issuer}/api/accounts/deviceauth/token"
    body = {"device_auth_id": device.device_auth_id, "user_code": device.user_code}
    deadline = time.monotonic() + timeout
    async with auth_client(url, HTTP_TIMEOUT) as http:
        while True:
            if cancelled.is_set():  # an interval of 0 never lets the wait below see it
                raise AuthError("Sign-in cancelled.", CANCELLED)
            try:
                response = await http.post(url, json=body)
            except httpx.HTTPError as exc:
                raise AuthError(f"Could not reach {url}: {exc}", LOGIN_FAILED) from exc
            if response.status_code < 400:
                data = response.json()
                if isinstance(data, dict) and isinstance(data.get("authorization_code"), str):
                    return data
                raise AuthError(f"{url} answered without an authorization code", LOGIN_FAILED)
            if response.status_code not in (403, 404):
                raise AuthError(f"Device sign-in failed ({response.status_code}).", LOGIN_FAILED)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AuthError("Device sign-in timed out after 15 minutes.", LOGIN_FAILED)
            try:
                await asyncio.wait_for(cancelled.wait(), min(device.interval, left))
            except TimeoutError:
                continue
            raise AuthError("Sign-in cancelled.", CANCELLED)


async def complete_device_login(
    settings: AuthSettings,
    issuer: str,
    device: DeviceCode,
    cancelled: asyncio.Event,
    timeout: float = DEVICE_TIMEOUT,
) -> None:
    """Poll, exchange the code, check the workspace and store the sign-in."""
    answer = await poll_for_code(issuer, device, cancelled, timeout)
    tokens = await exchange_code(
        issuer,
        f"{issuer}/deviceauth/callback",
        str(answer.get("code_verifier", "")),
        str(answer["authorization_code"]),
    )
    ensure_workspace_allowed(settings, tokens.id_token)
    await store_sign_in(settings, tokens, None)
