-- The server starts through the daemon by default; setup({ daemon = false }) opts out.
T.result.default_env = vim.lsp.config.codex_lsp.cmd_env
require('codex_lsp').setup({ daemon = false, enable = false, progress = false })
T.result.off_env = vim.lsp.config.codex_lsp.cmd_env
