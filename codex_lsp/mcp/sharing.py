"""When two windows may share one MCP server process, and how long an unused one stays warm.

Only a server every window would start identically is shared: same server id,
same ``[mcp_servers.<id>]`` entry, same working directory and the same
environment the process would get (`DEFAULT_ENV_VARS` taken from the window,
plus the entry's ``env``). Anything else gets its own process, so a window
never sees a server of another configuration. HTTP servers are never shared:
there is no process to share, and their proxy, CA and token come from the
window's environment. The `Pool` counts the windows using each server and
stops one only after it has been unused for an idle period (a reloaded window
finds it running). No I/O here: the broker (`codex_lsp.mcp.hub`) and the
window side (`codex_lsp.mcp.remote`) use it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import attrs

from codex_lsp.config.model import McpServerConfig
from codex_lsp.daemon.broker import LINE_LIMIT

IDLE_ENV = "CODEX_LSP_MCP_IDLE"
"""Seconds an MCP server no window uses stays running in the broker."""
DEFAULT_IDLE_S = 300.0
SHARED_ENV_VARS: tuple[str, ...] = (
    "HOME", "LOGNAME", "PATH", "SHELL", "USER", "__CF_USER_TEXT_ENCODING",
    "LANG", "LC_ALL", "TERM", "TMPDIR", "TZ",
)
"""What a stdio server inherits from its window (`transport.DEFAULT_ENV_VARS`, Codex's list;
repeated here so this module loads without the MCP SDK)."""
MAX_MESSAGE_BYTES = LINE_LIMIT
"""Longest line between window and broker (a tool result with images)."""

V = TypeVar("V")


def shareable(config: McpServerConfig) -> bool:
    """A stdio server that starts: the kind the broker runs for windows."""
    return config.enabled and config.transport == "stdio"


def placed(config: McpServerConfig, cwd: str) -> McpServerConfig:
    """The entry with the directory its process runs in spelled out (the window's, by default)."""
    where = os.path.normpath(os.path.join(cwd, config.cwd or "."))
    return attrs.evolve(config, cwd=where)


def inherited_env(env: Mapping[str, str]) -> dict[str, str]:
    """The part of a window's environment its stdio servers get."""
    return {k: env[k] for k in SHARED_ENV_VARS if k in env}


def config_json(config: McpServerConfig) -> dict[str, Any]:
    """The entry as JSON (every field; `config_from_json` reads it back)."""
    return attrs.asdict(config)


def config_from_json(data: object) -> McpServerConfig:
    """An entry sent by a window; `ValueError` if it is not one."""
    if not isinstance(data, dict):
        raise ValueError("the server entry is not an object")
    names = {f.name for f in attrs.fields(McpServerConfig)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown server entry fields: {', '.join(sorted(unknown))}")
    try:
        return McpServerConfig(**data)
    except Exception as exc:  # attrs validators raise several kinds
        raise ValueError(f"bad server entry: {exc}") from exc


def share_key(name: str, config: McpServerConfig, env: Mapping[str, str]) -> str:
    """Equal exactly when two windows would start the very same server process."""
    text = json.dumps(
        [name, config_json(config), dict(env)], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


def idle_seconds(env: Mapping[str, str]) -> float:
    """`CODEX_LSP_MCP_IDLE` (seconds, 0 or more), else the default."""
    try:
        return max(0.0, float(env.get(IDLE_ENV, DEFAULT_IDLE_S)))
    except ValueError:
        return DEFAULT_IDLE_S


def encode(message: Mapping[str, Any]) -> bytes:
    """One message on the window/broker link: a JSON line."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any] | None:
    """A message read from the link (None: not a JSON object)."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# ---- reference counts ----------------------------------------------------------------


class Cancellable(Protocol):
    """A scheduled call (`asyncio.TimerHandle`)."""

    def cancel(self) -> None: ...


Scheduler = Callable[[float, Callable[[], None]], Cancellable]


def _call_later(delay: float, callback: Callable[[], None]) -> Cancellable:
    return asyncio.get_running_loop().call_later(delay, callback)


@dataclass
class _Entry(Generic[V]):
    value: V
    users: int = 0
    expiry: Cancellable | None = None


@dataclass
class Pool(Generic[V]):
    """Values shared by key and counted by users; an unused one expires after `idle` seconds.

    `expire` gets each value that was unused for the whole idle period (it stops it).
    """

    idle: float
    expire: Callable[[V], None]
    schedule: Scheduler = _call_later
    _entries: dict[str, _Entry[V]] = field(default_factory=dict)

    def acquire(self, key: str, create: Callable[[], V]) -> V:
        """The value for `key` (made by `create` if there is none), counted as used once more."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(create())
        if entry.expiry is not None:
            entry.expiry.cancel()
            entry.expiry = None
        entry.users += 1
        return entry.value

    def release(self, key: str, *, keep: bool = True) -> None:
        """One user fewer; the last one starts the idle period (`keep=False`: expire now)."""
        entry = self._entries.get(key)
        if entry is None or entry.users <= 0:
            return
        entry.users -= 1
        if entry.users:
            return
        if keep and self.idle > 0:
            entry.expiry = self.schedule(self.idle, lambda: self._expired(key, entry))
        else:
            self._expired(key, entry)

    def users(self, key: str) -> int:
        """Windows using `key` now (0 for one kept warm or unknown)."""
        entry = self._entries.get(key)
        return entry.users if entry is not None else 0

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def drain(self) -> list[V]:
        """Forget every value (used or not) and return them, to be stopped."""
        values = []
        for entry in self._entries.values():
            if entry.expiry is not None:
                entry.expiry.cancel()
            values.append(entry.value)
        self._entries.clear()
        return values

    def _expired(self, key: str, entry: _Entry[V]) -> None:
        if self._entries.get(key) is entry and entry.users == 0:
            del self._entries[key]
            self.expire(entry.value)
