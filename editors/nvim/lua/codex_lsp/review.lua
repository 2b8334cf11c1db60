--- Review findings and inline completions.
---
--- Findings arrive as ordinary diagnostics (source `codex`), so `vim.diagnostic`
--- shows them with no code here; this module adds `:CodexReview` (file,
--- selection, uncommitted changes, a base branch) which also fills the quickfix
--- list, `:CodexFindingsClear`, and turns on `vim.lsp.inline_completion`
--- (Neovim >= 0.12) when the server offers it.
local M = {}

local api = vim.api

--- Quickfix items from a review result's findings (1-based lines).
---@param findings table[]
---@return table[]
function M.quickfix_items(findings)
  local items = {}
  for _, f in ipairs(findings or {}) do
    table.insert(items, {
      filename = vim.uri_to_fname(f.uri),
      lnum = f.range.start.line + 1,
      end_lnum = f.range['end'].line + 1,
      col = 1,
      text = ('[P%d] %s'):format(f.priority or 2, f.title or ''),
      type = (f.priority or 2) <= 0 and 'E' or ((f.priority or 2) == 1 and 'W' or 'I'),
    })
  end
  return items
end

--- Run `codex.review`; on an answer, put its findings in the quickfix list.
---@param arg table `{scope, uri?, range?, base?}`
function M.review(arg)
  require('codex_lsp.commands').execute('codex.review', arg, {
    on_result = function(result)
      if result.status ~= 'answered' then
        return
      end
      local items = M.quickfix_items(result.findings)
      vim.fn.setqflist({}, ' ', { title = 'Codex review', items = items })
      vim.notify('Codex: ' .. tostring(result.summary or ''), vim.log.levels.INFO)
      if #items > 0 then
        vim.cmd('botright copen')
      end
    end,
  })
end

---@type table<string, codex_lsp.CommandSpec>
M.specs = {
  CodexReview = {
    run = function(opts)
      local bufnr = api.nvim_get_current_buf()
      local scope = vim.trim(opts.args or '')
      if scope == 'changes' or scope == 'uncommitted' then
        M.review({ scope = 'uncommitted', uri = vim.uri_from_bufnr(bufnr) })
      elseif scope:match('^base') then
        local base = vim.trim(scope:gsub('^base%s*', ''))
        M.review({ scope = 'baseBranch', uri = vim.uri_from_bufnr(bufnr), base = base ~= '' and base or nil })
      elseif opts.range > 0 then
        local arg = require('codex_lsp.commands').selection(bufnr, opts.line1, opts.line2)
        arg.scope = 'selection'
        M.review(arg)
      else
        M.review({ scope = 'file', uri = vim.uri_from_bufnr(bufnr) })
      end
    end,
    opts = {
      range = true,
      nargs = '*',
      complete = function()
        return { 'changes', 'base main' }
      end,
      desc = 'Codex: review the file, the selection, `changes` (uncommitted) or `base <branch>`',
    },
  },
  CodexFindingsClear = {
    command = 'codex.clearFindings',
    opts = { desc = 'Codex: clear every review finding' },
  },
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

--- Define the user commands and the LspAttach hook (idempotent).
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
