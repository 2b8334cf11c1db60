--- Progress of Codex turns, from Neovim's own `$/progress` handling: the
--- built-in handler fires `LspProgress`; for codex_lsp clients this module
--- echoes the message (Neovim ≥ 0.12: as a progress message, updated in place;
--- 0.11: a plain echo). `vim.lsp.status()` in a statusline works as well.
---
--- The server reports one progress per command (`begin` with the turn title,
--- `report` with the tail of the streamed text or the tool step, `end` with the
--- result), at most 20 updates a second.
local M = {}

local group = vim.api.nvim_create_augroup('codex_lsp.progress', { clear = true })
local has_progress_messages = vim.fn.has('nvim-0.12') == 1

---@type table<string|integer, {title: string, id: integer|string?}>
local active = {}

---@param text string
---@return string
local function one_line(text)
  return (text:gsub('%s+', ' '))
end

---@param ev table LspProgress autocmd event
local function on_progress(ev)
  local client = vim.lsp.get_client_by_id(ev.data.client_id)
  if not client or client.name ~= require('codex_lsp').name then
    return
  end
  local params = ev.data.params or {}
  local token, value = params.token, params.value
  if token == nil or type(value) ~= 'table' then
    return
  end
  local item = active[token] or { title = 'Codex' }
  if value.kind == 'begin' then
    item = { title = value.title or 'Codex' }
  end
  active[token] = item
  local message = one_line(tostring(value.message or (value.kind == 'begin' and '…' or '')))
  local status = 'running'
  if value.kind == 'end' then
    active[token] = nil
    status = message:match('^Failed') and 'failed'
      or message:match('^Cancelled') and 'cancel'
      or 'success'
  end
  local width = math.max(20, vim.o.columns - 20)
  local text = ('%s: %s'):format(item.title, message)
  if #text > width then
    text = text:sub(1, width) .. '…'
  end
  if has_progress_messages then
    local ok, id = pcall(vim.api.nvim_echo, { { message } }, false, {
      id = item.id,
      kind = 'progress',
      title = item.title,
      status = status,
      percent = value.percentage,
    })
    if ok then
      item.id = id
      return
    end
  end
  vim.api.nvim_echo({ { text } }, false, {})
end

--- Turn the progress messages on or off.
---@param on boolean
function M.enable(on)
  vim.api.nvim_clear_autocmds({ group = group })
  if on then
    vim.api.nvim_create_autocmd('LspProgress', {
      group = group,
      desc = 'codex_lsp: show turn progress',
      callback = on_progress,
    })
  end
end

return M
