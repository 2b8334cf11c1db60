"""Sign-in over LSP: `codex.login`, `codex.logout`, and "not signed in" prompts.

Browser sign-in opens the authorize URL with `window/showDocument {external: true}`
and also shows it in a message (and a `codex/event {type: "login"}` carrying the
URL, which editors offer to copy); device sign-in shows the code and URL. A
cancellable `$/progress` runs while waiting. When there are no usable credentials
the server sends `codex/event {type: "authRequired", reason, message}` and one
`window/showMessageRequest` with a "Sign in with ChatGPT" action.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from codex_lsp import wire
from codex_lsp.auth.endpoints import issuer
from codex_lsp.auth.errors import CANCELLED, NOT_SIGNED_IN, AuthError
from codex_lsp.auth.manager import manager_for
from codex_lsp.background import BackgroundTasks
from codex_lsp.lsp.features.arguments import LoginArgs
from codex_lsp.lsp.features.command_registry import NoArgs, command
from codex_lsp.lsp.features.command_results import (
    CommandResult,
    SignedInResult,
    SignedOutResult,
)
from codex_lsp.lsp.session import message_prompt
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.message_prompt import NoPrompt
from codex_lsp.lsp.session.progress import ProgressReporter

NO_API_KEY = "noApiKey"

if TYPE_CHECKING:
    from codex_lsp.agent.engine import Agent
    from codex_lsp.lsp.session.session import Session

log = logging.getLogger(__name__)


def _failed(message: str) -> CommandResult:
    """A sign-in command's failure (no thread is involved: no `threadId`)."""
    return CommandResult(status="failed", error=message)


class SignIn:
    """One server's sign-in state: the running sign-in and the open prompt."""

    def __init__(
        self,
        client: Client,
        agent: Agent,
        background: BackgroundTasks,
        reload: Callable[[bool], None],
    ) -> None:
        self.client = client
        self.agent = agent
        self.background = background
        self.reload = reload
        """Reload the configuration after a sign-in or out (True: prompt if still signed out)."""
        self.cancel_login: Any = None
        self._prompting = False
        self._watched: set[int] = set()

    def watch(self) -> None:
        """Hear about refresh failures and refused tokens of the current configuration."""
        settings = self.agent.loaded.auth_settings
        if settings is None:
            return
        manager = manager_for(settings)
        if id(manager) not in self._watched:
            self._watched.add(id(manager))
            manager.listeners.append(self._on_error)

    def _on_error(self, error: AuthError) -> None:
        if error.needs_sign_in:
            self.auth_required(error.reason, error.message)

    def auth_required(self, reason: str, message: str, sign_in: bool = True) -> None:
        """The structured event editors key on, and one prompt with the sign-in action.

        `sign_in` False (a provider that takes only its own API key): reason
        `noApiKey`, no action, a plain warning for clients without auth events.
        """
        event = {"type": wire.AUTH_REQUIRED_EVENT, "reason": reason, "message": message}
        if sign_in:
            event["action"] = wire.SIGN_IN_ACTION
        self.client.send_event(event)
        if self.client.caps.codex_auth_events:
            return
        if not sign_in:
            self.client.show_message(message, 2)
        elif not self._prompting:
            self._prompting = True
            self.background.spawn(self._prompt(message))

    async def _prompt(self, message: str) -> None:
        title = None
        try:
            title = await message_prompt.ask(
                self.client, message, [wire.SIGN_IN_ACTION], timeout=3600, kind=2
            )
        except NoPrompt:  # no prompt in this client: say how to sign in instead
            self.client.show_message(f"{message} (Run the command {wire.LOGIN} to sign in.)", 2)
        except Exception as exc:
            log.info("sign-in prompt not answered: %s", exc)
        finally:
            self._prompting = False
        if title == wire.SIGN_IN_ACTION:
            await self.login("browser")

    def startup_check(self) -> None:
        """After (re)configuration: ask to sign in when the provider has no credentials."""
        loaded = self.agent.loaded
        message = loaded.missing_key_message()
        if not message:
            return
        if loaded.provider.requires_openai_auth:
            self.auth_required(NOT_SIGNED_IN, message)
        else:
            self.auth_required(NO_API_KEY, message, sign_in=False)

    # ---- commands ------------------------------------------------------------------

    async def login(self, method: str) -> CommandResult:
        """Run one sign-in (a new one cancels a waiting one)."""
        if self.cancel_login is not None:
            self.cancel_login()
        settings = self.agent.loaded.auth_settings
        if settings is None:
            return _failed("no configuration loaded")
        if settings.forced_login_method == "api":
            return _failed('ChatGPT sign-in is disabled (forced_login_method = "api").')
        reporter = ProgressReporter(
            self.client, on_cancel=lambda: self.cancel_login() if self.cancel_login else None
        )
        msg_id, task = self.client.current_request_id, asyncio.current_task()

        def stop() -> None:  # `$/cancelRequest`: end the wait (or the start) at once
            if self.cancel_login is not None:
                self.cancel_login()
            elif task is not None:
                task.cancel()

        if msg_id is not None:
            self.client.on_request_cancel(msg_id, stop)
        try:
            return await self._run_login(method, settings, reporter)
        finally:
            if msg_id is not None:
                self.client.on_request_cancel(msg_id, None)

    async def _run_login(
        self, method: str, settings: Any, reporter: ProgressReporter
    ) -> CommandResult:
        await reporter.begin("Signing in with ChatGPT")
        try:
            if method == "device":
                await self._device(settings, reporter)
            else:
                await self._browser(settings, reporter)
        except AuthError as exc:
            reporter.end("Sign-in cancelled" if exc.reason == CANCELLED else "Sign-in failed")
            self._login_event("failed", method, error=exc.message, reason=exc.reason)
            if exc.reason != CANCELLED:
                self.client.show_message(exc.message, 1)
            return CommandResult(
                status="cancelled" if exc.reason == CANCELLED else "failed", error=exc.message
            )
        finally:
            self.cancel_login = None
        reporter.end("Signed in")
        return self._signed_in(method)

    async def _browser(self, settings: Any, reporter: ProgressReporter) -> None:
        from codex_lsp.auth.browser import BrowserLogin

        login = BrowserLogin(settings, issuer())
        try:
            url = await login.start()
        except asyncio.CancelledError:
            await login.close()  # cancelled while binding: free the port
            raise
        self.cancel_login = login.cancel
        for note in login.notes:
            self.client.show_message(note, 3)
        self._login_event("waiting", "browser", url=url)
        reporter.report("Waiting for the browser sign-in…")
        self.client.show_message(
            f"Sign in with ChatGPT in your browser: {url} (on a remote machine, use the "
            "device code sign-in instead)",
            3,
        )
        self.background.spawn(self._open(url))
        await login.wait()

    async def _open(self, url: str) -> None:
        if not self.client.caps.show_document:
            return
        try:
            await self.client.request(
                "window/showDocument", {"uri": url, "external": True}, timeout=30
            )
        except Exception as exc:
            log.info("showDocument for the sign-in URL failed: %s", exc)

    async def _device(self, settings: Any, reporter: ProgressReporter) -> None:
        from codex_lsp.auth.device import complete_device_login, request_device_code

        base = issuer()
        device = await request_device_code(base)
        cancelled = asyncio.Event()
        self.cancel_login = cancelled.set
        self._login_event(
            "waiting", "device", url=device.verification_url, userCode=device.user_code
        )
        reporter.report(f"Enter {device.user_code} at {device.verification_url}")
        self.client.show_message(device.instructions(), 3)
        await complete_device_login(settings, base, device, cancelled)

    def _signed_in(self, method: str) -> CommandResult:
        self.reload(True)
        account = self.agent.loaded.account
        self._login_event("signedIn", method, email=account.email, plan=account.plan)
        who = ", ".join(x for x in (account.email, account.plan and f"{account.plan} plan") if x)
        self.client.show_message(f"Signed in with ChatGPT{f' ({who})' if who else ''}.", 3)
        return SignedInResult(status="applied", account=account.to_dict())

    def _login_event(self, state: str, method: str, **fields: Any) -> None:
        body = {"type": wire.LOGIN_EVENT, "state": state, "method": method}
        self.client.send_event({**body, **{k: v for k, v in fields.items() if v is not None}})

    async def logout(self) -> CommandResult:
        """Cancel a waiting sign-in, revoke and delete the stored credentials."""
        from codex_lsp.auth.logout import logout

        if self.cancel_login is not None:
            self.cancel_login()
        settings = self.agent.loaded.auth_settings
        if settings is None:
            return _failed("no configuration loaded")
        removed, problem = await logout(settings)
        self.reload(False)
        self._login_event("signedOut", "logout")
        return SignedOutResult(status="applied", removed=removed, revoke_error=problem)


@command(wire.LOGIN, LoginArgs)
async def login(session: Session, args: LoginArgs) -> CommandResult:
    """`codex.login {method: "browser" | "device"}`."""
    if args.method not in ("browser", "device"):
        return _failed(f"'method' must be 'browser' or 'device', got {args.method!r}")
    return await session.sign_in.login(args.method)


@command(wire.LOGOUT)
async def logout(session: Session, args: NoArgs) -> CommandResult:
    """`codex.logout`."""
    return await session.sign_in.logout()
