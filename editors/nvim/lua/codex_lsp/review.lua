--- Review findings: `:CodexReview` and `:CodexFindingsClear`.
---
--- Findings arrive as ordinary diagnostics (source `codex`), so `vim.diagnostic`
--- shows them with no code here; this module adds `:CodexReview` (file,
--- selection, uncommitted changes, a base branch) which also fills the quickfix
--- list, and `:CodexFindingsClear`. Inline completion lives in `inline.lua`.
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
}

M.user_commands = require('codex_lsp.commands').define(M.specs)

--- Define the user commands (idempotent).
function M.create()
  for name, def in pairs(M.user_commands) do
    api.nvim_create_user_command(name, def.fn, def.opts)
  end
end

return M
