--- `:CodexStatus`: the `codex.status` answer as readable lines in a floating window.
local M = {}

local api = vim.api

--- Show lines in a floating scratch window (closed with q).
---@param title string
---@param lines string[]
function M.show_lines(title, lines)
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'markdown'
  local width = 20
  for _, line in ipairs(lines) do
    width = math.max(width, api.nvim_strwidth(line))
  end
  width = math.min(width + 2, math.max(20, vim.o.columns - 4))
  local height = math.min(#lines, math.max(1, vim.o.lines - 6))
  api.nvim_open_win(buf, true, {
    relative = 'editor',
    row = math.floor((vim.o.lines - height) / 2),
    col = math.floor((vim.o.columns - width) / 2),
    width = width,
    height = height,
    border = 'rounded',
    title = ' ' .. title .. ' ',
    style = 'minimal',
  })
  vim.keymap.set('n', 'q', '<Cmd>close<CR>', { buffer = buf, nowait = true })
end

--- Status result -> readable lines.
---@param result table
---@return string[]
function M.lines(result)
  local lines = { '# codex-lsp ' .. tostring(result.version or '?') }
  local config = type(result.config) == 'table' and result.config or {}
  local keys = vim.tbl_keys(config)
  table.sort(keys)
  for _, key in ipairs(keys) do
    local value = config[key]
    if type(value) ~= 'table' and value ~= vim.NIL then
      lines[#lines + 1] = ('- %s: %s'):format(key, tostring(value))
    end
  end
  if result.configError and result.configError ~= vim.NIL then
    lines[#lines + 1] = '- configuration error: ' .. tostring(result.configError)
  end
  for _, warning in ipairs(type(result.warnings) == 'table' and result.warnings or {}) do
    lines[#lines + 1] = '- warning: ' .. tostring(warning)
  end
  local auth = type(result.auth) == 'table' and result.auth or {}
  local function field(value)
    return (value ~= nil and value ~= vim.NIL) and tostring(value) or nil
  end
  lines[#lines + 1] = ('- auth: %s%s'):format(
    field(auth.authMode) or 'not signed in',
    field(auth.email) and (' (' .. field(auth.email) .. ', plan ' .. (field(auth.plan) or '?') .. ')')
      or ''
  )
  local workspace = type(result.workspace) == 'table' and result.workspace or {}
  lines[#lines + 1] = '- workspace: ' .. table.concat(workspace, ', ')
  local running = type(result.running) == 'table' and result.running or {}
  lines[#lines + 1] = ('- threads: %s, running: %s'):format(
    tostring(result.threads or 0),
    #running > 0 and table.concat(running, ', ') or 'none'
  )
  if result.threadId and result.threadId ~= vim.NIL then
    lines[#lines + 1] = '- current thread: ' .. tostring(result.threadId)
  end
  return lines
end


--- Show a `codex.status` result (closed with q).
---@param result table
function M.show(result)
  M.show_lines('Codex status', M.lines(result))
end

return M
