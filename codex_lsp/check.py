"""`codex-lsp check`: show the resolved configuration and whether the endpoint answers."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Mapping
from typing import Any

import httpx

from codex_lsp.config import LoadedConfig
from codex_lsp.config.lenient import load_config_keeping_valid
from codex_lsp.models.factory import endpoint_for
from codex_lsp.models.identity import client_headers
from codex_lsp.net import NetworkSetupError, sync_client, tls_hint


def _print_sandbox(mode: str) -> None:
    from codex_lsp.sandbox.bwrap import sandbox_status

    status = sandbox_status()
    if mode == "danger-full-access":
        print("sandbox: off (sandbox_mode = danger-full-access)")
    elif status.get("available"):
        print(f"sandbox: {status.get('kind')} available ({mode})")
    else:
        print(f"sandbox: NOT available: {status.get('reason')}")


def _print_mcp(servers: Mapping[str, Any]) -> None:
    if not servers:
        return
    from codex_lsp.mcp import McpManager

    async def probe() -> dict[str, Any]:
        manager = McpManager(servers, os.environ)
        try:
            await manager.start()
            return manager.status()
        finally:
            await manager.aclose()

    for name, info in asyncio.run(probe()).items():
        tools = ", ".join(info.get("tools") or []) or "no tools"
        error = f": {info['error']}" if info.get("error") else ""
        print(f"mcp server {name}: {info.get('state')} ({tools}){error}")


def _print_auth(loaded: LoadedConfig) -> None:
    """Auth mode, and for ChatGPT the account's email and plan (never a token); and why."""
    mode = loaded.auth_mode or "not signed in"
    if loaded.uses_chatgpt:
        account = loaded.account
        print(f"auth: chatgpt ({account.email or 'unknown email'}, plan {account.plan or '?'})")
    else:
        print(f"auth: {mode} ({loaded.auth_source})")
    source = f"{loaded.auth_mode or 'none'} ({loaded.auth_source})"
    print(f"auth_source: {source}" + (f"; {loaded.auth_note}" if loaded.auth_note else ""))


def run_check(profile: str | None = None) -> int:
    """Print the configuration (never the key) and probe `{base_url}/models`; 0 = OK.

    Configuration problems are listed as the server reports them (file, line, key,
    what is used instead), and the rest of the check runs on what is kept.
    `profile`: check with that profile selected (its `<name>.config.toml`).
    """
    overrides = {"profile": profile} if profile else None
    loaded, problems = load_config_keeping_valid(overrides=overrides, override_source="--profile")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(json.dumps(loaded.describe(), indent=2, default=str))
    for warning in loaded.warnings:
        print(f"warning: {warning}")
    _print_sandbox(loaded.config.sandbox_mode)
    _print_mcp(loaded.config.mcp_servers)
    _print_auth(loaded)
    missing = loaded.blocked or loaded.missing_key_message()
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 1
    status = _probe(loaded)
    return 1 if problems else status


def _probe(loaded: LoadedConfig) -> int:
    """GET `{base_url}/models` with the request headers; 0 when it answers."""
    endpoint = endpoint_for(loaded)
    url = endpoint.url("/models")
    headers = {**client_headers(), **endpoint.headers}
    if endpoint.auth is not None:
        from codex_lsp.auth.errors import AuthError

        try:
            headers.update(asyncio.run(endpoint.auth.headers()))
        except AuthError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
    try:
        with sync_client(url, timeout=10.0, headers=headers) as client:
            response = client.get(url)
    except NetworkSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except httpx.ConnectError as exc:
        hint = tls_hint(exc)
        reason = f".{hint}" if hint else f": is the server running at {endpoint.base_url}?"
        print(f"error: could not connect to {endpoint.base_url}{reason}", file=sys.stderr)
        return 1
    except httpx.HTTPError as exc:
        print(f"error: {endpoint.base_url} did not answer: {exc}", file=sys.stderr)
        return 1
    if response.status_code in (401, 403):
        print(
            f"error: {endpoint.base_url} refused the credentials ({response.status_code}): "
            f"check your API key in {endpoint.key_hint}",
            file=sys.stderr,
        )
        return 1
    if response.status_code >= 500:
        print(f"error: {endpoint.base_url} failed ({response.status_code})", file=sys.stderr)
        return 1
    note = "" if response.status_code < 400 else f" (GET /models answered {response.status_code})"
    print(f"endpoint: OK, {endpoint.base_url} answers{note}")
    return 0
