"""Who is calling: Codex's identity headers, with codex-lsp and the editor named in the User-Agent.

OpenAI's sign-in and the ChatGPT backend know Codex's clients by `originator`; other values
have been refused (consent screen) or answered 403.  So we send Codex's own: `codex_cli_rs`
(or `CODEX_INTERNAL_ORIGINATOR_OVERRIDE`, as Codex reads it), `version` = the Codex release
whose wire we follow (`CODEX_WIRE_VERSION`, not our package version), and a User-Agent in
Codex's shape, `codex_cli_rs/0.169.0 (Debian 12.0.0; x86_64) <terminal> (codex-lsp; 0.1.0;
<editor>)`: what Codex puts in its parentheses suffix, we fill with our name and the editor.
"""

from __future__ import annotations

import os
import platform
import uuid
from functools import lru_cache
from pathlib import Path

from codex_lsp import __version__

CODEX_WIRE_VERSION = "0.169.0"
"""The Codex CLI release whose requests we reproduce (its `version` header and UA version).

Raise it only together with docs/wire-parity.md and tests/peer/test_wire_parity.py."""
DEFAULT_ORIGINATOR = "codex_cli_rs"
ORIGINATOR_ENV = "CODEX_INTERNAL_ORIGINATOR_OVERRIDE"


def _header_safe(text: str) -> str:
    """Printable ASCII only: an editor's name must not break (or inject) a header."""
    return "".join(c if " " <= c <= "~" else "_" for c in text).strip()


def originator() -> str:
    """Codex's originator, or the override from the environment (ignored when not header-safe)."""
    value = os.environ.get(ORIGINATOR_ENV, "")
    if value and value == _header_safe(value):
        return value
    return DEFAULT_ORIGINATOR


def _os_release() -> dict[str, str]:
    fields: dict[str, str] = {}
    for path in (Path("/etc/os-release"), Path("/usr/lib/os-release")):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if sep:
                fields[key.strip()] = value.strip().strip("'\"")
        break
    return fields


def _semantic(version: str) -> str:
    """`12` -> `12.0.0`, `22.04` -> `22.4.0` (how Codex's os_info prints a version)."""
    parts = version.split(".")
    if not version or not all(p.isdigit() for p in parts):
        return version or "Unknown"
    numbers = [str(int(p)) for p in parts[:3]]
    return ".".join(numbers + ["0"] * (3 - len(numbers)))


@lru_cache(maxsize=1)
def os_description() -> str:
    """`Debian 12.0.0`, `Ubuntu 22.4.0`, `Mac OS 14.5.0`, `Windows 10.0.22631`."""
    system = platform.system()
    if system == "Linux":
        info = _os_release()
        name = info.get("NAME", "Linux").removesuffix(" GNU/Linux")
        return f"{name} {_semantic(info.get('VERSION_ID', ''))}"
    if system == "Darwin":
        return f"Mac OS {_semantic(platform.mac_ver()[0])}"
    if system == "Windows":
        return f"Windows {platform.version()}"
    return f"{system} {platform.release()}"


def terminal() -> str:
    """The terminal as Codex names it: `TERM_PROGRAM[/version]`, else `TERM`, else `unknown`."""
    program = os.environ.get("TERM_PROGRAM", "").strip()
    if program:
        version = os.environ.get("TERM_PROGRAM_VERSION", "").strip()
        return f"{program}/{version}" if version else program
    return os.environ.get("TERM", "").strip() or "unknown"


def user_agent(editor: str | None = None) -> str:
    """Codex's User-Agent shape with `(codex-lsp; <version>[; <editor>])` as its suffix."""
    prefix = (
        f"{originator()}/{CODEX_WIRE_VERSION} ({os_description()}; {platform.machine()}) "
        f"{terminal()}"
    )
    suffix = f"codex-lsp; {__version__}" + (f"; {editor}" if editor else "")
    return _header_safe(f"{prefix} ({suffix})")


def editor_name(name: str | None, version: str | None) -> str | None:
    """`name/version` from the client's `clientInfo` (None when it sent none)."""
    if not name:
        return None
    return f"{name}/{version}" if version else name


def client_headers(editor: str | None = None) -> dict[str, str]:
    """What every Codex HTTP client sends: `originator` and `User-Agent` (sign-in, refresh, ...)."""
    return {"originator": originator(), "User-Agent": user_agent(editor)}


def request_headers(
    thread_id: str, editor: str | None = None, window: int = 0
) -> dict[str, str]:
    """The identity headers of one model request of thread `thread_id` (Codex's names)."""
    thread = _header_safe(thread_id)
    return {
        **client_headers(editor),
        "version": CODEX_WIRE_VERSION,
        "session-id": thread,
        "thread-id": thread,
        "x-client-request-id": thread,
        "x-codex-window-id": f"{thread}:{window}",
    }


def turn_metadata(thread_id: str, turn_id: str, window: int = 0) -> dict[str, str]:
    """The Responses `client_metadata` Codex sends: the ids that tie a request to its turn."""
    return {
        "x-codex-window-id": f"{thread_id}:{window}",
        "session_id": thread_id,
        "thread_id": thread_id,
        "turn_id": turn_id,
        "root_turn_id": turn_id,
    }


def new_turn_id() -> str:
    """A fresh turn id (Codex uses UUIDs)."""
    return str(uuid.uuid4())
