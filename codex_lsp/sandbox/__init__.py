"""Running model-requested commands: sandbox policy, bubblewrap, processes, output.

`policy` says what a command may touch (from `sandbox_mode`), `bwrap`
enforces it on Linux, `process` runs a command with a deadline and kills its
whole process group, `reaper` does the same for the whole process tree of an
unsandboxed command (even what `setsid` moved out of the group), `output`
bounds what reaches the model, and `denial` guesses whether a failure came
from the sandbox.

The package itself loads nothing: import from the module that does the job, so
that `sandbox_status` is had without asyncio (`codex.status` before the server loads).
"""
