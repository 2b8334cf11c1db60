"""Running model-requested commands: sandbox policy, bubblewrap, processes, output.

`policy` says what a command may touch (from `sandbox_mode`), `bwrap`
enforces it on Linux, `process` runs a command with a deadline and kills its
whole process group, `reaper` does the same for the whole process tree of an
unsandboxed command (even what `setsid` moved out of the group), `output`
bounds what reaches the model, and `denial` guesses whether a failure came
from the sandbox.
"""

from __future__ import annotations

from codex_lsp.sandbox.bwrap import Bubblewrap, SandboxStatus, default_sandbox, sandbox_status
from codex_lsp.sandbox.denial import looks_like_sandbox_denial
from codex_lsp.sandbox.output import (
    MAX_OUTPUT_BYTES,
    MAX_OUTPUT_LINES,
    TIMEOUT_EXIT_CODE,
    ExecResult,
    OutputCollector,
    cap_output,
    format_for_model,
)
from codex_lsp.sandbox.policy import SandboxPolicy, policy_from_config
from codex_lsp.sandbox.process import kill_process_group, run_process

__all__ = [
    "MAX_OUTPUT_BYTES",
    "MAX_OUTPUT_LINES",
    "TIMEOUT_EXIT_CODE",
    "Bubblewrap",
    "ExecResult",
    "OutputCollector",
    "SandboxPolicy",
    "SandboxStatus",
    "cap_output",
    "default_sandbox",
    "format_for_model",
    "kill_process_group",
    "looks_like_sandbox_denial",
    "policy_from_config",
    "run_process",
    "sandbox_status",
]
