"""What a sandboxed command may touch, computed once per call from the configuration.

Codex's three `sandbox_mode`s reduce to two facts the enforcement layer needs:
which directories are writable and whether the network is reachable. Keeping
that reduction here (pure, no processes) lets the bubblewrap layer stay a
mechanical translation and lets tests check the policy without spawning.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from codex_lsp.config import Config
from codex_lsp.config.model import SandboxMode

PROTECTED_SUBPATHS: tuple[str, ...] = (".git",)
"""Entries of a writable root that stay read-only (history must not be rewritten)."""


@dataclass(frozen=True)
class SandboxPolicy:
    """The effective restrictions for one command."""

    mode: SandboxMode
    writable_roots: tuple[Path, ...] = ()
    """Existing, symlink-free directories the command may write (parents first)."""
    network_access: bool = False

    @property
    def unrestricted(self) -> bool:
        """True for `danger-full-access`: the command runs without any sandbox."""
        return self.mode == "danger-full-access"

    def read_only_subpaths(self) -> list[Path]:
        """Existing `.git` entries (folders, or worktree pointer files) under writable roots."""
        found: list[Path] = []
        for root in self.writable_roots:
            for name in PROTECTED_SUBPATHS:
                candidate = root / name
                if candidate.exists() and candidate not in found:
                    found.append(candidate)
        return found


def policy_from_config(
    config: Config, workspace_roots: Sequence[Path], env: Mapping[str, str]
) -> SandboxPolicy:
    """The policy `config.sandbox_mode` means for this workspace and environment.

    `workspace-write` makes writable: the workspace roots, each
    `[sandbox_workspace_write] writable_roots` entry (relative entries are taken
    from the first workspace root), `$TMPDIR` and `/tmp` unless excluded.
    Roots that do not exist are dropped (bubblewrap cannot bind them).
    """
    mode = config.sandbox_mode
    if mode == "danger-full-access":
        return SandboxPolicy(mode, network_access=True)
    if mode == "read-only":
        return SandboxPolicy(mode)
    settings = config.sandbox_workspace_write
    base = workspace_roots[0] if workspace_roots else Path.cwd()
    candidates: list[Path] = list(workspace_roots)
    for entry in settings.writable_roots:
        path = Path(os.path.expanduser(entry))
        candidates.append(path if path.is_absolute() else base / path)
    tmpdir = env.get("TMPDIR", "")
    if tmpdir and not settings.exclude_tmpdir_env_var:
        candidates.append(Path(tmpdir))
    if not settings.exclude_slash_tmp:
        candidates.append(Path("/tmp"))
    return SandboxPolicy(mode, _existing_dirs(candidates), settings.network_access)


def _existing_dirs(paths: Iterable[Path]) -> tuple[Path, ...]:
    """Real, existing, de-duplicated directories, shallowest first.

    Order matters for bind mounts: a parent bound after its child would hide
    the child's mount (and the `.git` re-binds made under it).
    """
    seen: dict[Path, None] = {}
    for path in paths:
        real = Path(os.path.realpath(path))
        if real.is_dir():
            seen.setdefault(real, None)
    return tuple(sorted(seen, key=lambda p: (len(p.parts), str(p))))
