"""`codex-lsp login` (browser or `--device-auth`), `login --with-api-key`, `logout`.

The same flows as `codex login` / `codex logout`, storing the same credentials,
so one sign-in serves the Codex CLI, its IDE extension and codex-lsp.
"""

from __future__ import annotations

import asyncio
import sys

from codex_lsp.auth import authfile
from codex_lsp.auth.account import AuthSettings, account_of
from codex_lsp.auth.endpoints import issuer
from codex_lsp.auth.errors import AuthError
from codex_lsp.auth.store import CredentialStore
from codex_lsp.config import ConfigError, load_config


def _settings() -> AuthSettings:
    loaded = load_config()
    assert loaded.auth_settings is not None
    return loaded.auth_settings


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def run_login(device: bool, with_api_key: bool, open_browser: bool = True) -> int:
    """Sign in; 0 when the sign-in was stored."""
    try:
        settings = _settings()
        if with_api_key:
            return _login_api_key(settings)
        if settings.forced_login_method == "api":
            return _fail('ChatGPT sign-in is disabled (forced_login_method = "api").')
        flow = _device_login(settings) if device else _browser_login(settings, open_browser)
        asyncio.run(flow)
    except ConfigError as exc:
        return _fail(str(exc))
    except AuthError as exc:
        return _fail(exc.message)
    except KeyboardInterrupt:
        return _fail("Sign-in cancelled.")
    account = account_of(CredentialStore(settings.home, settings.store_mode).load())
    who = ", ".join(x for x in (account.email, account.plan and f"plan {account.plan}") if x)
    print(f"Signed in with ChatGPT{f' ({who})' if who else ''}.")
    return 0


def _login_api_key(settings: AuthSettings) -> int:
    if settings.forced_login_method == "chatgpt":
        return _fail('API key sign-in is disabled (forced_login_method = "chatgpt").')
    if sys.stdin.isatty():
        print("Paste the API key and press Enter (Ctrl-D to finish):", file=sys.stderr)
    key = sys.stdin.read().strip()
    if not key:
        return _fail(
            "no API key on standard input (e.g. `printenv OPENAI_API_KEY | "
            "codex-lsp login --with-api-key`)."
        )
    store = CredentialStore(settings.home, settings.store_mode)
    store.save(authfile.api_key_record(key))
    print(f"Saved the API key to {store.describe()}.")
    return 0


async def _browser_login(settings: AuthSettings, open_browser: bool) -> None:
    from codex_lsp.auth.browser import BrowserLogin

    login = BrowserLogin(settings, issuer())
    url = await login.start()
    for note in login.notes:
        print(note, flush=True)
    print(f"Sign in with ChatGPT in your browser:\n{url}", flush=True)
    print("On a machine without a browser, use `codex-lsp login --device-auth`.", flush=True)
    if open_browser:
        import webbrowser

        await asyncio.to_thread(webbrowser.open, url)
    await login.wait()


async def _device_login(settings: AuthSettings) -> None:
    from codex_lsp.auth.device import complete_device_login, request_device_code

    base = issuer()
    device = await request_device_code(base)
    print(
        "Follow these steps to sign in with ChatGPT using a device code:\n"
        f"1. Open this link in a browser and sign in:\n   {device.verification_url}\n"
        f"2. Enter this one-time code (expires in 15 minutes):\n   {device.user_code}\n"
        "Device codes are a common phishing target. Never share this code.",
        flush=True,
    )
    await complete_device_login(settings, base, device, asyncio.Event())


def run_logout() -> int:
    """Revoke (best effort) and delete the stored sign-in."""
    from codex_lsp.auth.logout import logout

    try:
        removed, problem = asyncio.run(logout(_settings()))
    except ConfigError as exc:
        return _fail(str(exc))
    except AuthError as exc:
        return _fail(exc.message)
    if problem:
        print(f"warning: could not revoke the token ({problem}); deleted it anyway.")
    print("Signed out." if removed else "Not signed in.")
    return 0
