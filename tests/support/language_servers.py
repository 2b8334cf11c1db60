"""Real language servers for code-intelligence tests (from the dev extras, never stubs)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest


def _program(name: str) -> str:
    """`name` from this interpreter's environment (the dev extras), else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]'")
    return found


def ruff_server() -> list[str]:
    """`ruff server`: fast, publishes lint diagnostics (no definitions)."""
    return [_program("ruff"), "server"]


def basedpyright() -> list[str]:
    """basedpyright's language server: type errors, definitions, references, hover, symbols."""
    return [_program("basedpyright-langserver"), "--stdio"]
