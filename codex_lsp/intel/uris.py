"""file:// URIs to paths (the only scheme language servers use for workspace files)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from codex_lsp.intel.backend import IntelUnavailable


def uri_path(uri: str) -> Path:
    """The path of a `file://` URI; `IntelUnavailable` for any other scheme."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise IntelUnavailable(f"not a file URI: {uri}")
    return Path(unquote(parsed.path))
