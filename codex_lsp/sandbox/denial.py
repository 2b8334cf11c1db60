"""Guessing whether a failed sandboxed command failed *because of* the sandbox.

Only the exit code and output are known, so this is a heuristic (Codex uses
the same kind): a non-zero exit whose output mentions a refused write or an
unreachable network. It decides whether `on-failure` offers an unsandboxed
re-run and whether `on-request` hints at escalation; a miss only means the
failure goes back to the model as is.
"""

from __future__ import annotations

DENIAL_MARKERS: tuple[str, ...] = (
    "read-only file system",
    "operation not permitted",
    "permission denied",
    "network is unreachable",
    "temporary failure in name resolution",
    "could not resolve host",
    "name or service not known",
    "eai_again",
    "enetunreach",
    "erofs",
    "eacces",
    "eperm",
)
"""Lower-case fragments of the errors a read-only file system or missing network produce."""

NOT_DENIAL_EXIT_CODES: frozenset[int] = frozenset({126, 127})
"""`not executable` / `command not found`: the sandbox is not the cause."""


def looks_like_sandbox_denial(exit_code: int, output: str) -> bool:
    """True for a non-zero exit whose output looks like the sandbox refused something."""
    if exit_code == 0 or exit_code in NOT_DENIAL_EXIT_CODES:
        return False
    lowered = output.lower()
    return any(marker in lowered for marker in DENIAL_MARKERS)
