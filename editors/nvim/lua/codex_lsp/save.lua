--- Save after apply: with `save_after_apply = true` in `setup()`, the buffers an applied
--- `workspace/applyEdit` touched are written (`:write`), so an approved change is on disk
--- like the Codex CLI's, not left as unsaved buffer text.
local M = {}

--- The URIs a `WorkspaceEdit` changes or creates.
---@param edit lsp.WorkspaceEdit
---@return string[]
function M.touched_uris(edit)
  local uris, seen = {}, {}
  local function add(uri)
    if uri and not seen[uri] then
      seen[uri] = true
      uris[#uris + 1] = uri
    end
  end
  for uri in pairs(edit.changes or {}) do
    add(uri)
  end
  for _, change in ipairs(edit.documentChanges or {}) do
    if change.textDocument then
      add(change.textDocument.uri)
    elseif change.kind == 'create' then
      add(change.uri)
    elseif change.kind == 'rename' then
      add(change.newUri)
    end
  end
  return uris
end

--- Write every loaded, modified buffer among `uris`; the names of those that failed.
---@param uris string[]
---@return string[] failed
function M.write(uris)
  local failed = {}
  for _, uri in ipairs(uris) do
    local bufnr = vim.uri_to_bufnr(uri)
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].modified then
      local ok, err = pcall(vim.api.nvim_buf_call, bufnr, function()
        vim.cmd('silent write')
      end)
      if not ok then
        failed[#failed + 1] = vim.uri_to_fname(uri) .. ': ' .. tostring(err)
      end
    end
  end
  return failed
end

--- `workspace/applyEdit`: Neovim's own handler, then the touched buffers written when
--- the `save_after_apply` option is on.
function M.apply_edit_handler(err, params, ctx, config)
  local result = vim.lsp.handlers['workspace/applyEdit'](err, params, ctx, config)
  if result and result.applied and require('codex_lsp').options.save_after_apply then
    local failed = M.write(M.touched_uris(params.edit))
    if #failed > 0 then
      vim.notify('Codex: applied, but could not save ' .. table.concat(failed, '; '), vim.log.levels.WARN)
    end
  end
  return result
end

return M
