"""Load the configuration without ever failing: keep every valid part, list the rest.

`load_config` is strict (the CLI's `check` and the tests want every error). The
language server must run whatever the user's `config.toml` holds, so here a
file that does not parse keeps the lines that do, and each key that does not
validate is dropped (a broken MCP server entry or provider table as a whole),
and the load is tried again. Each problem is returned with its file, line and key.

One exception keeps a typo from sending code somewhere the user did not choose:
when a dropped key decides where requests go (the provider, the profile, their
tables, `openai_base_url`), the config still loads but `blocked` says why model
requests are refused until the file is fixed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from codex_lsp.config._structure import PathPart
from codex_lsp.config.errors import ConfigError
from codex_lsp.config.loader import (
    CONFIG_FILE_NAME,
    DEFAULT_OVERRIDE_SOURCE,
    LoadedConfig,
    codex_home,
    load_config,
)
from codex_lsp.config.problems import ConfigProblem, drop_key, key_line, salvage_toml, shown_key
from codex_lsp.config.profile_files import profile_path, selected_profile
from codex_lsp.config.sources import normalize_overrides

MAX_ROUNDS = 30
"""Loads tried (each drops the keys the last one named) before using defaults."""

DESTINATION_KEYS = frozenset(
    {"model_provider", "model_providers", "profile", "profiles", "openai_base_url"}
)
"""Keys that decide where requests (and the code in them) are sent."""


def read_config_text(path: Path) -> tuple[str | None, ConfigProblem | None]:
    """The file's text (None: no file), or why it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8"), None
    except FileNotFoundError:
        return None, None
    except UnicodeDecodeError as exc:
        return None, ConfigProblem(str(path), f"is not valid UTF-8 ({exc.reason} at byte "
                                   f"{exc.start})", action="whole file ignored")
    except OSError as exc:
        return None, ConfigProblem(str(path), f"cannot be read: {exc.strerror or exc}",
                                   action="whole file ignored")


def _parts(key: str | None) -> list[str]:
    return key.split(".") if key else []


def load_config_keeping_valid(
    home: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    override_source: str = DEFAULT_OVERRIDE_SOURCE,
) -> tuple[LoadedConfig, list[ConfigProblem]]:
    """The configuration with every valid part kept, and the problems found (never raises)."""
    env = os.environ if env is None else env
    home = codex_home(env) if home is None else home
    config_path = home / CONFIG_FILE_NAME
    source = str(config_path)
    text, unreadable = read_config_text(config_path)
    problems: list[ConfigProblem] = [unreadable] if unreadable else []
    file_raw: dict[str, Any] = {}
    if text is not None:
        file_raw, parse_problems = salvage_toml(text, source)
        problems += parse_problems
    found = text is not None or unreadable is not None
    try:
        over = normalize_overrides(overrides, override_source)
    except ConfigError as exc:
        problems.append(ConfigProblem(override_source, str(exc).split(": ", 1)[-1]))
        over = {}
    chosen = tuple(over.get(k, file_raw.get(k)) for k in ("model_provider", "profile"))
    raws = {source: file_raw, override_source: over}
    texts = {source: text or ""}
    profile = _profile_file(home, file_raw, over, problems)
    if profile is not None:
        raws[profile.source] = profile.raw
        texts[profile.source] = profile.text
    profile_data = (profile.raw, profile.found) if profile is not None else None
    for _ in range(MAX_ROUNDS):
        try:
            loaded = load_config(
                home, over, env, override_source, (file_raw, found), profile_data
            )
        except ConfigError as exc:
            if _drop_faults(exc, raws, texts, problems):
                continue
            detail = exc.message.removeprefix(f"{exc.source}: ")
            problems.append(ConfigProblem(exc.source, detail, action="defaults used"))
            break
        return _with_block(loaded, problems, chosen), problems
    else:
        problems.append(ConfigProblem(source, "has too many problems", action="defaults used"))
    loaded = load_config(home, {}, env, override_source, ({}, found))
    return _with_block(loaded, problems, chosen), problems


@attrs.define
class _ProfileFile:
    """The selected profile's file as read here (kept valid lines, like config.toml)."""

    source: str
    raw: dict[str, Any]
    text: str
    found: bool


def _profile_file(
    home: Path, file_raw: dict[str, Any], over: dict[str, Any], problems: list[ConfigProblem]
) -> _ProfileFile | None:
    """Read `<name>.config.toml` for the selected profile, salvaging what parses."""
    name = selected_profile(file_raw, over)
    path = profile_path(home, name) if name is not None else None
    if path is None:
        return None
    text, unreadable = read_config_text(path)
    if unreadable:
        problems.append(unreadable)
    raw: dict[str, Any] = {}
    if text is not None:
        raw, parse_problems = salvage_toml(text, str(path))
        problems += parse_problems
    return _ProfileFile(str(path), raw, text or "", text is not None)


def _drop_faults(
    exc: ConfigError,
    raws: dict[str, dict[str, Any]],
    texts: dict[str, str],
    problems: list[ConfigProblem],
) -> bool:
    """Drop each key the error names from the source it came from; whether any went."""
    dropped = False
    for source, path, detail in exc.faults:
        target = _droppable(path)
        raw = raws.get(source)
        if raw is None or not drop_key(raw, target):
            continue
        dropped = True
        what = "entry skipped" if target != tuple(path) else "ignored; its default is used"
        line = key_line(texts[source], path) if source in texts else None
        problems.append(ConfigProblem(source, detail, shown_key(path), line, what))
    return dropped


def _droppable(path: Sequence[PathPart]) -> tuple[PathPart, ...]:
    """What goes with a bad key: a whole MCP server, provider or profile entry."""
    if len(path) >= 2 and path[0] in ("mcp_servers", "model_providers", "profiles"):
        return tuple(path[:2])
    return tuple(path)


def _with_block(
    loaded: LoadedConfig, problems: list[ConfigProblem], chosen: tuple[Any, ...]
) -> LoadedConfig:
    """Refuse model requests when a problem touched where they would go.

    `chosen` is the provider and profile the sources named before keys were dropped.
    """
    deciding = [
        p for p in problems if p.action != "entry skipped" or not _unused(p, loaded, chosen)
    ]
    for problem in deciding:
        parts = _parts(problem.key)
        whole = problem.action in ("whole file ignored", "defaults used")
        if whole or (parts and parts[0] in DESTINATION_KEYS):
            blocked = (
                f"Model requests are off until the configuration is fixed: {problem.located()}. "
                "Fix it; codex-lsp reads it again on the next command (no restart needed)."
            )
            return attrs.evolve(loaded, blocked=blocked)
    return loaded


def _unused(problem: ConfigProblem, loaded: LoadedConfig, chosen: tuple[Any, ...]) -> bool:
    """A skipped provider or profile entry that is not the selected one harms nothing."""
    parts = _parts(problem.key)
    if len(parts) < 2 or parts[0] == "mcp_servers":
        return True
    name = parts[1].strip('"')
    if parts[0] == "model_providers":
        return name not in (loaded.provider_id, chosen[0])
    return parts[0] == "profiles" and name != chosen[1]
