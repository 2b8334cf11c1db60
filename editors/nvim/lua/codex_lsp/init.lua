--- codex_lsp: Neovim integration of codex-lsp, a Codex-style coding agent as a
--- language server.
---
--- The server config lives in `lsp/codex_lsp.lua` (plain `vim.lsp.Config`); this
--- module holds the plugin options and `setup()`, which is optional: with
--- `vim.lsp.enable('codex_lsp')` alone everything works with the defaults.
---
--- Modules: `commands` (user commands -> `workspace/executeCommand`), `threads`
--- and `status` (their pickers and windows), `approval` (`codex/approveEdit`,
--- `codex/approveCommand`), `questions` (`codex/requestUserInput`), `chat`
--- (streamed `codex/event` text), `progress` (`LspProgress` -> messages), `health`
--- (`:checkhealth codex_lsp`).
local M = {}

--- The LSP client name (and the name of `lsp/codex_lsp.lua`).
M.name = 'codex_lsp'

---@class codex_lsp.ChatOpts
---@field position? 'right'|'left'|'bottom'|'top' Where the chat window opens.
---@field size? integer Width (left/right) or height (top/bottom) of the chat window.
---@field open_on_ask? boolean Open the chat window for `:CodexAsk` / `:CodexTask`.

---@class codex_lsp.Opts
---@field enable? boolean Call `vim.lsp.enable('codex_lsp')` (default true).
---@field cmd? string[] Server command (default `{ 'codex-lsp' }`).
---@field settings? table `config.toml` keys sent as `initializationOptions` (override the file).
---@field chat? codex_lsp.ChatOpts
---@field progress? boolean Echo the server's `$/progress` messages (default true).
---@field daemon? boolean Start the server through the per-user daemon (default true).
---@field save_after_apply? boolean `:write` the buffers an applied Codex edit touched (default false).
---@field lsp? vim.lsp.Config Anything else to merge into the server config.

---@type codex_lsp.Opts
M.defaults = {
  enable = true,
  cmd = nil,
  settings = nil,
  chat = { position = 'right', size = 80, open_on_ask = true },
  progress = true,
  daemon = true,
  save_after_apply = false,
  lsp = nil,
}

---@type codex_lsp.Opts
M.options = vim.deepcopy(M.defaults)

--- Configure (and by default enable) the codex_lsp server.
---
--- ```lua
--- require('codex_lsp').setup({ settings = { model = 'gpt-5.5' }, chat = { position = 'bottom' } })
--- ```
---@param opts? codex_lsp.Opts
function M.setup(opts)
  vim.validate('opts', opts, 'table', true)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  local config = vim.deepcopy(M.options.lsp or {})
  if M.options.cmd then
    config.cmd = M.options.cmd
  end
  if M.options.daemon == false then
    config.cmd_env = vim.tbl_extend('force', config.cmd_env or {}, { CODEX_LSP_DAEMON = '0' })
  end
  if M.options.settings then
    config.init_options = vim.tbl_deep_extend('force', config.init_options or {}, M.options.settings)
  end
  if next(config) then
    vim.lsp.config(M.name, config)
  end
  require('codex_lsp.progress').enable(M.options.progress ~= false)
  if M.options.enable ~= false then
    vim.lsp.enable(M.name)
  end
end

--- The codex_lsp client for `bufnr` (else any running codex_lsp client).
---@param bufnr? integer
---@return vim.lsp.Client?
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local clients = vim.lsp.get_clients({ name = M.name, bufnr = bufnr })
  if #clients == 0 then
    clients = vim.lsp.get_clients({ name = M.name })
  end
  return clients[1]
end

return M
