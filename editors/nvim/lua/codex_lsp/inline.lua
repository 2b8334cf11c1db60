--- Inline completions (ghost text): `:CodexInlineToggle`, and Neovim's inline
--- completion turned on in buffers the server offers it for.

local api = vim.api

local M = {}

---@type table<string, codex_lsp.CommandSpec>
M.specs = {
  CodexInlineToggle = {
    command = 'codex.toggleInlineCompletion',
    on_result = function(result, bufnr)
      -- Turned on after `initialize`: the server registered the capability just now.
      local ic = vim.lsp.inline_completion
      if ic and result.enabled and result.advertised then
        ic.enable(true, { bufnr = bufnr })
      end
    end,
    opts = { desc = 'Codex: turn inline completions (ghost text) on or off' },
  },
}

M.user_commands = require('codex_lsp.commands').define(M.specs)

--- Turn on Neovim's inline completion in `bufnr` when the client offers it.
--- (The filter takes `bufnr` or `client_id`, not both: Neovim 0.12 asserts so.)
---@param client vim.lsp.Client
---@param bufnr integer
function M.on_attach(client, bufnr)
  local ic = vim.lsp.inline_completion
  if ic and client.server_capabilities.inlineCompletionProvider then
    ic.enable(true, { bufnr = bufnr })
  end
end

--- Define `:CodexInlineToggle` and the LspAttach hook (idempotent).
function M.create()
  for name, def in pairs(M.user_commands) do
    api.nvim_create_user_command(name, def.fn, def.opts)
  end
  api.nvim_create_autocmd('LspAttach', {
    group = api.nvim_create_augroup('codex_lsp_inline', { clear = true }),
    callback = function(ev)
      local client = vim.lsp.get_client_by_id(ev.data.client_id)
      if client and client.name == 'codex_lsp' then
        M.on_attach(client, ev.buf)
      end
    end,
  })
end

return M
