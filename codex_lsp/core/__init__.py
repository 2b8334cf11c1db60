"""The contract the engine and its front ends share; a leaf that imports nothing of ours.

- `protocol`: operations' inputs and results, events out, the host contract
  (`AgentHost`) every front end implements (the LSP host, `exec`, the tests' FakeHost).
- `items`: the conversation items a thread's history holds, typed.
- `workspace`: the workspace folders and the one path policy every tool obeys.
- `disk`: staleness checks and atomic, all-or-nothing writes for files no editor holds.

Everything else (agent, tools, approvals, mcp, lsp, exec) imports from here; nothing
here imports from them, so the package graph has no cycles through the contract.
"""
