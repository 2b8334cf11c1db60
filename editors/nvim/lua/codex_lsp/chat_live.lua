--- Running commands in the chat buffer: the `codex/event` `toolOutput` events.
---
--- While a command runs the server sends its last few output lines (`tail`, at most
--- ten times a second). The first one opens a row `> ▶ <detail>` with the tail under
--- it; later ones replace that row's lines in place (an extmark keeps its start), so
--- the chat shows the latest lines, never a growing log. When the step ends its final
--- lines (`> ✓ … (exit N)` and the output) replace the row; a turn that ends first
--- (cancelled, failed) leaves `> ✗ <detail> (stopped)`.
local M = {}

local api = vim.api
local ns = api.nvim_create_namespace('codex_lsp.chat_live')
--- Tail lines shown at most (the server sends three).
local TAIL_LINES = 5

---@class codex_lsp.LiveRow
---@field buf integer
---@field mark integer extmark on the row's first line
---@field count integer lines the row has now
---@field thread string
---@field detail string

--- Running steps (from their `tool` begin event) by call id: their name and thread.
---@type table<string, {detail: string, thread: string}>
local steps = {}
---@type table<string, codex_lsp.LiveRow>
local rows = {}

--- A `tool` begin event: remember the step's name for its live row.
---@param thread string
---@param event table
function M.begin(thread, event)
  if type(event.callId) == 'string' then
    steps[event.callId] = { detail = tostring(event.detail or event.name or 'command'), thread = thread }
  end
end

--- Replace the row's lines with `lines`; false when the row is gone (buffer wiped,
--- its text deleted).
---@param row codex_lsp.LiveRow
---@param lines string[]
---@return boolean
local function put(row, lines)
  if not api.nvim_buf_is_valid(row.buf) then
    return false
  end
  local pos = api.nvim_buf_get_extmark_by_id(row.buf, ns, row.mark, {})
  if not pos[1] then
    return false
  end
  local stop = math.min(pos[1] + row.count, api.nvim_buf_line_count(row.buf))
  api.nvim_buf_set_lines(row.buf, pos[1], stop, false, lines)
  api.nvim_buf_set_extmark(row.buf, ns, pos[1], 0, { id = row.mark })
  row.count = #lines
  return true
end

--- The live row's lines for `tail`.
---@param detail string
---@param tail string
---@return string[]
local function live_lines(detail, tail)
  local lines = { '> ▶ ' .. detail }
  local out = vim.split(tail:gsub('\n+$', ''), '\n', { plain = true })
  if #out > TAIL_LINES then
    out = vim.list_slice(out, #out - TAIL_LINES + 1)
  end
  for _, line in ipairs(out) do
    if line ~= '' then
      lines[#lines + 1] = '>     ' .. line
    end
  end
  return lines
end

--- A `toolOutput` event of a step that began: open its row (through `note`, which appends one chat
--- line of `thread`) or replace its lines.
---@param thread string
---@param event table
---@param buf integer the chat buffer
---@param note fun(thread: string, line: string)
function M.output(thread, event, buf, note)
  local id = event.callId
  if type(id) ~= 'string' or type(event.tail) ~= 'string' then
    return
  end
  local row, step = rows[id], steps[id]
  if not (row or step) then
    return -- the step has ended (or never began here)
  end
  local lines = live_lines(row and row.detail or step.detail, event.tail)
  if row and put(row, lines) then
    return
  end
  for _, line in ipairs(lines) do
    note(thread, line)
  end
  local last = api.nvim_buf_line_count(buf)
  rows[id] = {
    buf = buf,
    mark = api.nvim_buf_set_extmark(buf, ns, last - #lines, 0, {}),
    count = #lines,
    thread = thread,
    detail = (row or step).detail,
  }
end

--- Drop a row's bookkeeping (its lines stay).
---@param id string
local function forget(id)
  local row = rows[id]
  rows[id] = nil
  steps[id] = nil
  if row and api.nvim_buf_is_valid(row.buf) then
    api.nvim_buf_del_extmark(row.buf, ns, row.mark)
  end
end

--- A step ended: its final `lines` replace its live row. False when it had none
--- (the caller appends them).
---@param id any the step's call id
---@param lines string[]
---@return boolean
function M.finish(id, lines)
  if type(id) ~= 'string' then
    return false
  end
  local row = rows[id]
  local replaced = row ~= nil and put(row, lines)
  forget(id)
  return replaced
end

--- A turn ended: rows of `thread` still running become `> ✗ <detail> (stopped)`.
---@param thread string
function M.stop_thread(thread)
  for id, row in pairs(rows) do
    if row.thread == thread then
      put(row, { ('> ✗ %s (stopped)'):format(row.detail) })
      forget(id)
    end
  end
  for id, step in pairs(steps) do
    if step.thread == thread then
      steps[id] = nil
    end
  end
end

--- Forget every row (a new chat buffer).
function M.reset()
  rows = {}
  steps = {}
end

return M
