"""Codex 0.169's profiles: `$CODEX_HOME/<name>.config.toml`, layered over `config.toml`.

Codex 0.169 (observed) reads a profile from its own file, selected with
`--profile <name>`, between `config.toml` and the command line. It refuses the
older forms: a `profile = "<name>"` selector in a file ("legacy `profile` config
is no longer supported; use `--profile <name>` with `<name>.config.toml`"), and
`--profile <name>` while `config.toml` still has `[profiles.<name>]`; a
`[profiles.*]` table nobody selects is ignored.

Here the profile is selected by the `profile` setting (editor settings or
initializationOptions, `codex-lsp exec --profile`), or still by a `profile = ...`
line in `config.toml`. Its file is layered like Codex's. The older forms keep
working (a server never refuses to start over them), each with a warning saying
what Codex 0.169 would do and how to move: a selector in a file, a
`[profiles.<name>]` table used because there is no file, a table ignored because
the file wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROFILE_FILE_SUFFIX = ".config.toml"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def selected_profile(file_raw: Mapping[str, Any], over_raw: Mapping[str, Any]) -> str | None:
    """The profile named by the settings, else by `config.toml` (None: none, or not a name)."""
    name = over_raw.get("profile", file_raw.get("profile"))
    return name if isinstance(name, str) and name else None


def profile_path(home: Path, name: str) -> Path | None:
    """`<home>/<name>.config.toml`, or None when `name` cannot be a file name there."""
    if not _NAME.fullmatch(name) or ".." in name:
        return None
    return home / f"{name}{PROFILE_FILE_SUFFIX}"


def profile_layer(raw: dict[str, Any]) -> dict[str, Any]:
    """A profile file's table without a selector of its own (Codex refuses one there)."""
    return {key: value for key, value in raw.items() if key != "profile"}


def profile_warnings(
    name: str | None,
    file_raw: Mapping[str, Any],
    profile_raw: Mapping[str, Any],
    path: Path | None,
    found: bool,
) -> list[str]:
    """What Codex 0.169 would refuse or ignore here, and how to move to its form."""
    if name is None:
        return []
    target = str(path) if path is not None else f"<CODEX_HOME>/{name}{PROFILE_FILE_SUFFIX}"
    warnings: list[str] = []
    if "profile" in file_raw:
        warnings.append(
            f"'profile = \"{file_raw['profile']}\"' in config.toml is refused by Codex 0.169 "
            "(legacy profile selector): choose the profile with the `profile` setting "
            f"(or `codex-lsp exec --profile {name}`) and keep its settings in {target}"
        )
    if "profile" in profile_raw:
        warnings.append(f"'profile' in {target} ignored: a profile file cannot select another")
    tables = file_raw.get("profiles")
    has_table = isinstance(tables, Mapping) and name in tables
    if has_table and found:
        warnings.append(
            f"[profiles.{name}] in config.toml ignored: {target} is used "
            "(Codex 0.169 refuses to start with both; remove the table)"
        )
    elif has_table:
        warnings.append(
            f"[profiles.{name}] is Codex's older profile form (0.169 no longer reads it): "
            f"move its settings into {target}"
        )
    return warnings
