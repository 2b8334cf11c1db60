--- The chat buffer: a scratch buffer (`codex://chat`, filetype markdown) that
--- receives the `codex/event` notifications of every turn as they stream in.
---
--- Each turn starts with a `## <title>` header; `text` deltas are appended as
--- they arrive, `textReset` drops the partial answer of that turn, `reasoning`
--- deltas stream into a quoted `*Thinking:*` block, `tool`, `plan` and `notice`
--- events become quoted lines (a command with its exit code and the last lines
--- of its output; while it runs, its latest lines from `toolOutput`, see
--- chat_live.lua), and `turnFinished` appends a status line (`*answered*`,
--- `*cancelled*`, `*failed: …*`). The same things the VS Code view shows.
local M = {}

local live = require('codex_lsp.chat_live')
local api = vim.api
local ns = api.nvim_create_namespace('codex_lsp.chat')
local BUF_NAME = 'codex://chat'

---@class codex_lsp.ChatTurn
---@field mark integer? extmark where the turn's current streamed text starts

---@type table<string, codex_lsp.ChatTurn>
local turns = {}
--- The block the end of the buffer belongs to: blocks (a header, a text
--- paragraph, a run of notes) are separated by one blank line.
---@type {thread: string, kind: 'header'|'text'|'note'|'reasoning'}?
local current = nil
---@type integer?
local bufnr = nil

--- The chat buffer (created on first use).
---@return integer
function M.buf()
  if bufnr and api.nvim_buf_is_valid(bufnr) then
    return bufnr
  end
  bufnr = api.nvim_create_buf(false, true)
  vim.bo[bufnr].buftype = 'nofile'
  vim.bo[bufnr].bufhidden = 'hide'
  vim.bo[bufnr].swapfile = false
  api.nvim_buf_set_name(bufnr, BUF_NAME)
  vim.bo[bufnr].filetype = 'markdown'
  turns = {}
  current = nil
  live.reset()
  return bufnr
end

--- All lines of the chat buffer.
---@return string[]
function M.lines()
  return api.nvim_buf_get_lines(M.buf(), 0, -1, false)
end

--- The chat buffer's text.
---@return string
function M.text()
  return table.concat(M.lines(), '\n')
end

--- Windows (any tab) showing the chat buffer.
---@return integer[]
local function windows()
  if not bufnr then
    return {}
  end
  return vim.tbl_filter(function(win)
    return api.nvim_win_get_buf(win) == bufnr
  end, api.nvim_list_wins())
end

--- Keep windows that show the end of the chat at the end.
local function follow()
  local last = api.nvim_buf_line_count(M.buf())
  for _, win in ipairs(windows()) do
    api.nvim_win_set_cursor(win, { last, 0 })
  end
end

--- Open the chat in a split of the current tab (or focus it if it is shown).
---@param focus? boolean move the cursor to the chat window (default false)
---@return integer win
function M.open(focus)
  local buf = M.buf()
  local tab = api.nvim_get_current_tabpage()
  for _, win in ipairs(api.nvim_tabpage_list_wins(tab)) do
    if api.nvim_win_get_buf(win) == buf then
      if focus then
        api.nvim_set_current_win(win)
      end
      return win
    end
  end
  local opts = require('codex_lsp').options.chat or {}
  local position = opts.position or 'right'
  local vertical = position == 'right' or position == 'left'
  local split = ({ right = 'right', left = 'left', bottom = 'below', top = 'above' })[position]
    or 'right'
  local config = { split = split, win = 0 }
  if opts.size then
    config[vertical and 'width' or 'height'] = opts.size
  end
  local win = api.nvim_open_win(buf, focus or false, config)
  vim.wo[win].wrap = true
  vim.wo[win].linebreak = true
  vim.wo[win].number = false
  follow()
  return win
end

--- Close every window of the chat in the current tab.
function M.close()
  for _, win in ipairs(windows()) do
    if api.nvim_win_get_tabpage(win) == api.nvim_get_current_tabpage() then
      pcall(api.nvim_win_close, win, false)
    end
  end
end

--- Toggle the chat window in the current tab.
function M.toggle()
  for _, win in ipairs(windows()) do
    if api.nvim_win_get_tabpage(win) == api.nvim_get_current_tabpage() then
      M.close()
      return
    end
  end
  M.open(false)
end

--- Whether the buffer is empty (one empty line).
---@return boolean
local function is_empty()
  local buf = M.buf()
  return api.nvim_buf_line_count(buf) == 1 and api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
end

--- Append whole lines at the end (an empty buffer's first line is replaced),
--- as a block of their own.
---@param lines string[]
function M.append_lines(lines)
  local buf = M.buf()
  if is_empty() then
    api.nvim_buf_set_lines(buf, 0, 1, false, lines)
  else
    api.nvim_buf_set_lines(buf, -1, -1, false, lines)
  end
  current = nil
  follow()
end

--- Start a block: the buffer ends with a blank separator line (unless it is
--- empty) and an empty line to write into.
---@param thread string
---@param kind 'header'|'text'|'note'|'reasoning'
local function start_block(thread, kind)
  if not is_empty() then
    local buf = M.buf()
    local last = api.nvim_buf_line_count(buf)
    local tail = api.nvim_buf_get_lines(buf, math.max(0, last - 2), last, false)
    if tail[#tail] ~= '' then
      api.nvim_buf_set_lines(buf, -1, -1, false, { '', '' })
    elseif #tail == 2 and tail[1] ~= '' then
      api.nvim_buf_set_lines(buf, -1, -1, false, { '' })
    end
  end
  current = { thread = thread, kind = kind }
end

--- Replace the (empty) last line with `line`.
---@param line string
local function write_line(line)
  local buf = M.buf()
  local last = api.nvim_buf_line_count(buf)
  api.nvim_buf_set_lines(buf, last - 1, last, false, { line })
  follow()
end

--- Append `text` (may hold newlines) to the end of the last line.
---@param text string
local function append_text(text)
  local buf = M.buf()
  local last = api.nvim_buf_line_count(buf)
  local line = api.nvim_buf_get_lines(buf, last - 1, last, false)[1] or ''
  local pieces = vim.split(line .. text, '\n', { plain = true })
  api.nvim_buf_set_lines(buf, last - 1, last, false, pieces)
  follow()
end

--- Label a block of `thread` when another turn wrote last (parallel turns).
---@param thread string
local function label_if_interleaved(thread)
  if current and current.thread ~= thread and turns[thread] then
    start_block(thread, 'note')
    write_line(('*(thread %s)*'):format(thread:sub(1, 8)))
  end
end

--- A new turn: its header.
---@param thread string
---@param title string
local function header(thread, title)
  start_block(thread, 'header')
  write_line('## ' .. title)
  turns[thread] = {}
end

--- Streamed text of `thread`.
---@param thread string
---@param delta string
local function text(thread, delta)
  if not turns[thread] then
    header(thread, 'Codex')
  end
  if not (current and current.thread == thread and current.kind == 'text') then
    label_if_interleaved(thread)
    start_block(thread, 'text')
    local last = api.nvim_buf_line_count(M.buf())
    turns[thread].mark =
      api.nvim_buf_set_extmark(M.buf(), ns, last - 1, 0, { right_gravity = false })
  end
  append_text(delta)
end

--- A line that is not streamed text (tool step, plan, notice, status).
---@param thread string
---@param line string
local function note(thread, line)
  if not turns[thread] then
    header(thread, 'Codex')
  end
  if current and current.thread == thread and current.kind == 'note' then
    api.nvim_buf_set_lines(M.buf(), -1, -1, false, { line })
    follow()
    return
  end
  label_if_interleaved(thread)
  start_block(thread, 'note')
  write_line(line)
end

--- Streamed reasoning summary of `thread`: one quoted block per stretch of thinking.
---@param thread string
---@param delta string
local function reasoning(thread, delta)
  if not turns[thread] then
    header(thread, 'Codex')
  end
  if not (current and current.thread == thread and current.kind == 'reasoning') then
    label_if_interleaved(thread)
    start_block(thread, 'reasoning')
    write_line('> *Thinking:* ')
  end
  append_text((delta:gsub('\n', '\n> ')))
end

--- Output lines shown under a command (the last ones; the `Exit code`/`Wall time`
--- header of the shell tools' output is left out).
local OUTPUT_LINES = 20

--- A finished tool step's lines: `> ✓ detail`, for commands `(exit N)` and the output
--- as a quoted code block.
---@param event table
---@return string[]
local function tool_end_lines(event)
  local mark = event.ok == false and '✗' or '✓'
  local line = ('> %s %s'):format(mark, event.detail or event.name or 'tool')
  if type(event.exitCode) ~= 'number' then
    return { line }
  end
  local result = { ('%s (exit %d)'):format(line, event.exitCode) }
  local output = type(event.output) == 'string' and event.output or ''
  output = output:gsub('^Exit code: [^\n]*\n', ''):gsub('^Wall time: [^\n]*\n', '')
  output = output:gsub('^Output:\n', ''):gsub('\n+$', '')
  if output == '' then
    return result
  end
  local lines = vim.split(output, '\n', { plain = true })
  if #lines > OUTPUT_LINES then
    result[#result + 1] = ('>     … %d earlier lines'):format(#lines - OUTPUT_LINES)
    lines = vim.list_slice(lines, #lines - OUTPUT_LINES + 1)
  end
  for _, out in ipairs(lines) do
    result[#result + 1] = '>     ' .. out
  end
  return result
end

--- A finished tool step: its lines replace its live row, or end the chat.
---@param thread string
---@param event table
local function tool_end(thread, event)
  local lines = tool_end_lines(event)
  if live.finish(event.callId, lines) then
    follow()
    return
  end
  for _, line in ipairs(lines) do
    note(thread, line)
  end
end

local status_text = {
  applied = 'applied',
  rejected = 'rejected',
  answered = 'answered',
  cancelled = 'cancelled',
  failed = 'failed',
}

--- Handle one `codex/event` notification.
---@param event table `{threadId, type, ...}`
function M.on_event(event)
  if type(event) ~= 'table' or type(event.type) ~= 'string' then
    return
  end
  local thread = type(event.threadId) == 'string' and event.threadId or '?'
  local kind = event.type
  if kind == 'turnStarted' then
    header(thread, type(event.title) == 'string' and event.title or 'Codex')
  elseif kind == 'text' then
    if type(event.delta) == 'string' and event.delta ~= '' then
      text(thread, event.delta)
    end
  elseif kind == 'reasoning' then
    if type(event.delta) == 'string' and event.delta ~= '' then
      reasoning(thread, event.delta)
    end
  elseif kind == 'textReset' then
    local turn = turns[thread]
    if turn and turn.mark and current and current.thread == thread and current.kind == 'text' then
      local pos = api.nvim_buf_get_extmark_by_id(M.buf(), ns, turn.mark, {})
      if pos[1] then
        api.nvim_buf_set_lines(M.buf(), pos[1], -1, false, { '' })
      end
    end
  elseif kind == 'tool' then
    if event.phase == 'begin' then
      live.begin(thread, event)
    elseif event.phase == 'end' then
      tool_end(thread, event)
    end
  elseif kind == 'toolOutput' then
    live.output(thread, event, M.buf(), note)
    follow()
  elseif kind == 'webSearch' then
    if event.phase == 'end' then
      note(thread, '> ✓ ' .. (type(event.detail) == 'string' and event.detail or 'Searching the web'))
      for _, url in ipairs(type(event.sources) == 'table' and event.sources or {}) do
        note(thread, '>     ' .. tostring(url))
      end
    end
  elseif kind == 'plan' then
    local marks = { completed = '[x]', in_progress = '[~]', pending = '[ ]' }
    local lines = {}
    if type(event.explanation) == 'string' and event.explanation ~= '' then
      lines[#lines + 1] = '> ' .. event.explanation
    end
    for _, step in ipairs(type(event.plan) == 'table' and event.plan or {}) do
      lines[#lines + 1] = ('> %s %s'):format(marks[step.status] or '[ ]', step.step or '')
    end
    for _, line in ipairs(lines) do
      note(thread, line)
    end
  elseif kind == 'notice' then
    note(thread, '> ' .. tostring(event.message or ''))
  elseif kind == 'approvalWithdrawn' then
    local what = event.kind == 'command' and 'command' or 'edit'
    local msg = ('The %s approval timed out and was withdrawn; an answer now has no effect.'):format(what)
    note(thread, '> ' .. msg)
    vim.notify('codex_lsp: ' .. msg, vim.log.levels.WARN)
  elseif kind == 'questionWithdrawn' then
    require('codex_lsp.questions').withdraw(event)
  elseif kind == 'turnFinished' then
    local status = status_text[event.status] or tostring(event.status)
    local line = '*' .. status
    if type(event.error) == 'string' and event.error ~= '' then
      line = line .. ': ' .. event.error:gsub('\n', ' ')
    end
    local changed = type(event.changedFiles) == 'table' and event.changedFiles or {}
    if #changed > 0 then
      line = line .. ' (' .. table.concat(changed, ', ') .. ')'
    end
    live.stop_thread(thread)
    note(thread, line .. '*')
    turns[thread] = nil
  end
end

--- `codex/event` notification handler (see `lsp/codex_lsp.lua`).
---@param _ lsp.ResponseError?
---@param params table
--- Sign-in events: `authRequired` offers `:CodexLogin`; `login` shows the URL and code.
---@param params table
local function on_auth_event(params)
  local notify = function(msg, level)
    vim.notify('Codex: ' .. msg, level or vim.log.levels.INFO, { title = 'codex_lsp' })
  end
  if params.type == 'authRequired' then
    notify(
      tostring(params.message)
        .. '\nRun :CodexLogin (browser) or :CodexLogin device (remote machines).',
      vim.log.levels.WARN
    )
  elseif params.type == 'login' and params.state == 'waiting' then
    local url = tostring(params.url or '')
    pcall(vim.fn.setreg, '+', url) -- "Copy URL": the browser may be on another machine
    if params.userCode and params.userCode ~= vim.NIL then
      notify(('open %s and enter the code %s (copied the URL)'):format(url, params.userCode))
    else
      notify('sign in with ChatGPT in your browser: ' .. url .. ' (URL copied)')
    end
  end
end

function M.event_handler(_, params)
  if type(params) == 'table' and (params.type == 'authRequired' or params.type == 'login') then
    on_auth_event(params)
  end
  M.on_event(params)
  vim.api.nvim_exec_autocmds('User', {
    pattern = 'CodexEvent',
    modeline = false,
    data = params,
  })
end

return M
