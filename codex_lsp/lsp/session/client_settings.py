"""What the client tells about itself: workspace folders, and one `codex` settings section.

Shared by the server (`initialize`, `workspace/didChangeConfiguration`) and by
`rpc.early_status`, which reads the same `initialize` request before pygls loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pygls.uris import to_fs_path


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def codex_section(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings may come whole or under a `codex` key (VS Code style sections)."""
    section = settings.get("codex")
    return dict(section) if isinstance(section, dict) else dict(settings)


def layer_settings(init_options: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """DidChangeConfiguration settings over the initializationOptions; null removes a key."""
    merged = dict(init_options)
    for key, value in codex_section(settings).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def workspace_roots(
    folder_uris: Iterable[str], root_uri: str | None, root_path: str | None
) -> list[Path]:
    """The folders the client opened (or its root URI/path, from older clients)."""
    roots = [Path(path) for uri in folder_uris if (path := to_fs_path(uri))]
    if not roots and (root_uri or root_path):
        path = to_fs_path(root_uri) if root_uri else root_path
        if path:
            roots.append(Path(path))
    return roots
