-- codex_lsp plugin entry: version check, user commands, progress messages.
-- The server config itself is lsp/codex_lsp.lua (vim.lsp.enable('codex_lsp')).
if vim.g.loaded_codex_lsp then
  return
end
vim.g.loaded_codex_lsp = true

if vim.fn.has('nvim-0.11') ~= 1 then
  vim.notify_once('codex_lsp needs Neovim >= 0.11 (vim.lsp.config)', vim.log.levels.ERROR)
  return
end

require('codex_lsp.commands').create()
require('codex_lsp.review').create()
require('codex_lsp.inline').create()
require('codex_lsp.progress').enable(vim.g.codex_lsp_progress ~= false)
