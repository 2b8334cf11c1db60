"""Code review as diagnostics: structured findings, their prompts, and where they live.

Nothing here knows about LSP transport; `codex_lsp.lsp.review` publishes what
`FindingStore` holds as `textDocument/publishDiagnostics`.
"""
