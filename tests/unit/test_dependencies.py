"""Every third-party module codex_lsp imports is a declared, bounded dependency.

A module that only arrives as a dependency of a dependency (httpx2 and anyio
came with mcp) breaks the day that package drops it; an unbounded pygls
breaks the transport, which uses pygls internals.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


IMPORT_NAMES = {"PIL": "pillow"}
"""Distributions whose import name differs, for when they are not installed (optional ones)."""


def _optional() -> dict[str, str]:
    """Requirements of the run-time extras (all but `dev`): imported only when installed."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    reqs = [req for name, group in extras.items() if name != "dev" for req in group]
    return {_norm(re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0]): req for req in reqs}


def _declared() -> dict[str, str]:
    """Normalised distribution name -> its requirement string."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    out = {}
    for req in deps:
        name = re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0]
        out[_norm(name)] = req
    return out


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_levels() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "codex_lsp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"codex_lsp", "__future__"}


def test_every_imported_module_is_declared() -> None:
    dists = packages_distributions()
    declared = {**_declared(), **_optional()}
    missing = []
    for module in sorted(_imported_top_levels()):
        names = {_norm(d) for d in dists.get(module, [IMPORT_NAMES.get(module, module)])}
        if not names & set(declared):
            missing.append(f"{module} (from {sorted(names)})")
    assert not missing, f"imported but not in pyproject dependencies: {missing}"


def test_bounds_cover_what_is_installed() -> None:
    declared = _declared()
    for name in ("pygls", "lsprotocol", "mcp", "httpx2", "anyio"):
        assert "<" in declared[name], f"{name} needs an upper bound: {declared[name]}"
    assert declared["mcp"].startswith("mcp>=2"), "our mcp imports exist only in mcp 2.x"
    for name, req in declared.items():
        installed = version(name)
        lower = re.search(r">=([\w.]+)", req)
        if lower:
            assert _tuple(installed) >= _tuple(lower.group(1)), f"{name} {installed} < {req}"
        upper = re.search(r"<([\w.]+)", req)
        if upper:
            assert _tuple(installed) < _tuple(upper.group(1)), f"{name} {installed} vs {req}"


def _tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])
