--- Approval UI for the server's `codex/approveEdit` and `codex/approveCommand`
--- requests (sent because `lsp/codex_lsp.lua` sets
--- `capabilities.experimental.codexApproval = true`).
---
--- An edit opens one tab per file: the current text on the left and the
--- proposed text on the right, both scratch buffers in diff mode
--- (`:diffthis`). Then `vim.ui.select` asks Apply / Apply for this session /
--- Choose hunks… / Reject; "Choose hunks…" (offered when there is more than one
--- hunk) asks about each hunk in turn (the cursor jumps to it), and about files
--- without hunks (created, deleted) as a whole. The tabs are closed when the decision is made and the
--- answer goes back to the server, which then sends `workspace/applyEdit`.
---
--- Neovim runs server-request handlers in a coroutine, so the handlers yield
--- while the user decides; the editor stays responsive.
local M = {}

local api = vim.api

M.APPLY = 'Apply'
M.APPLY_SESSION = 'Apply for this session'
M.CHOOSE_HUNKS = 'Choose hunks…'
M.REJECT = 'Reject'
M.HUNK_APPLY = 'Apply this hunk'
M.HUNK_SKIP = 'Skip this hunk'
M.FILE_APPLY = 'Apply this file'
M.FILE_SKIP = 'Skip this file'
M.RUN = 'Run'
M.RUN_SESSION = 'Run always this session'

local select = require('codex_lsp.ui').select

---@param text string?
---@return string[]
local function split_lines(text)
  if text == nil or text == vim.NIL or text == '' then
    return {}
  end
  local lines = vim.split(text, '\n', { plain = true })
  if lines[#lines] == '' then
    table.remove(lines)
  end
  for i, line in ipairs(lines) do
    lines[i] = line:gsub('\r$', '')
  end
  return lines
end

--- The file's current lines: its loaded buffer, else the file on disk.
---@param uri string
---@return string[]
local function current_lines(uri)
  local fname = vim.uri_to_fname(uri)
  for _, buf in ipairs(api.nvim_list_bufs()) do -- (vim.uri_to_bufnr would add a buffer)
    if api.nvim_buf_is_loaded(buf) and api.nvim_buf_get_name(buf) == fname then
      return api.nvim_buf_get_lines(buf, 0, -1, false)
    end
  end
  local ok, lines = pcall(vim.fn.readfile, fname)
  return ok and lines or {}
end

--- `lines` with every hunk applied (hunk lines carry their line endings).
---@param lines string[]
---@param hunks table[]
---@return string[]
local function apply_all_hunks(lines, hunks)
  local out, cursor = {}, 0 -- 0-based: lines before `cursor` are done
  for _, hunk in ipairs(hunks) do
    for i = cursor + 1, hunk.oldStart do
      out[#out + 1] = lines[i]
    end
    for _, line in ipairs(hunk.newLines or {}) do
      out[#out + 1] = (line:gsub('\r?\n$', ''))
    end
    cursor = hunk.oldStart + #(hunk.oldLines or {})
  end
  for i = cursor + 1, #lines do
    out[#out + 1] = lines[i]
  end
  return out
end

--- Both sides of the diff. An update comes without its texts (the server sends them
--- only to clients that ask): the current lines, and them with the hunks applied.
---@param file table
---@return string[] old
---@return string[] new
local function review_lines(file)
  local function given(text)
    return text ~= nil and text ~= vim.NIL
  end
  if file.kind == 'update' and not given(file.newText) then
    local old = current_lines(file.uri)
    return old, apply_all_hunks(old, type(file.hunks) == 'table' and file.hunks or {})
  end
  local old_text = file.oldText
  if not given(old_text) and file.kind ~= 'add' then
    old_text = table.concat(current_lines(file.uri), '\n')
  end
  return split_lines(old_text), split_lines(file.newText)
end

--- A scratch buffer holding `lines`, named for the diff.
---@param name string
---@param lines string[]
---@param filetype string?
---@return integer
local function scratch(name, lines, filetype)
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  vim.bo[buf].modifiable = false
  -- Another review of the same file may still hold the name.
  local ok = pcall(api.nvim_buf_set_name, buf, name)
  if not ok then
    pcall(api.nvim_buf_set_name, buf, name .. ' (' .. buf .. ')')
  end
  if filetype and filetype ~= '' then
    vim.bo[buf].filetype = filetype
  end
  return buf
end

---@class codex_lsp.ReviewTab
---@field tab integer
---@field file table the `files[]` entry of the request
---@field old_win integer
---@field new_win integer

--- Open the diff tab for one file of a proposal.
---@param file table
---@param title string
---@return codex_lsp.ReviewTab
local function open_file_tab(file, title)
  local path = type(file.path) == 'string' and file.path or vim.uri_to_fname(file.uri)
  local filetype = vim.filetype.match({ filename = path }) or ''
  local old_lines, new_lines = review_lines(file)
  local new_label = path
  if type(file.moveTo) == 'string' then
    new_label = vim.fn.fnamemodify(vim.uri_to_fname(file.moveTo), ':~:.')
  end
  local old_buf = scratch('codex://current/' .. path, old_lines, filetype)
  local new_buf = scratch('codex://proposed/' .. new_label, new_lines, filetype)

  vim.cmd.tabnew()
  local tab = api.nvim_get_current_tabpage()
  local placeholder = api.nvim_get_current_buf()
  local old_win = api.nvim_get_current_win()
  api.nvim_win_set_buf(old_win, old_buf)
  if api.nvim_buf_is_valid(placeholder) and placeholder ~= old_buf then
    pcall(api.nvim_buf_delete, placeholder, { force = true })
  end
  vim.cmd.diffthis()
  local new_win = api.nvim_open_win(new_buf, true, { split = 'right', win = old_win })
  vim.cmd.diffthis()
  local verb = ({ add = 'create', delete = 'delete', update = 'edit' })[file.kind] or 'edit'
  local function bar(text)
    return (text:gsub('%%', '%%%%')) -- 'winbar' is a statusline format
  end
  vim.wo[old_win].winbar = bar(('Current: %s'):format(path))
  vim.wo[new_win].winbar = bar(('Proposed (%s): %s — %s'):format(verb, new_label, title))
  return { tab = tab, file = file, old_win = old_win, new_win = new_win }
end

---@param tabs codex_lsp.ReviewTab[]
local function close_tabs(tabs)
  for i = #tabs, 1, -1 do
    local tab = tabs[i].tab
    if api.nvim_tabpage_is_valid(tab) then
      if #api.nvim_list_tabpages() > 1 then
        local number = api.nvim_tabpage_get_number(tab)
        pcall(vim.cmd, number .. 'tabclose!')
      else
        -- Only our tab is left: leave it with an empty buffer.
        for _, win in ipairs(api.nvim_tabpage_list_wins(tab)) do
          pcall(api.nvim_win_call, win, function()
            vim.cmd('diffoff')
          end)
        end
        pcall(vim.cmd, 'only! | enew')
      end
    end
  end
end

--- Ask about each hunk of each file (files without hunks, e.g. created or
--- deleted ones, as a whole); nil when the user gave up.
---@param reviews codex_lsp.ReviewTab[]
---@return table<string, integer[]>? hunks uri -> accepted indices (files kept whole are absent)
---@return boolean any whether anything at all was accepted
local function choose_hunks(reviews)
  local chosen, any = {}, false
  for _, review in ipairs(reviews) do
    local file = review.file
    local hunks = type(file.hunks) == 'table' and file.hunks or {}
    if api.nvim_tabpage_is_valid(review.tab) then
      api.nvim_set_current_tabpage(review.tab)
    end
    if #hunks == 0 then
      local verb = ({ add = 'create', delete = 'delete', update = 'edit' })[file.kind] or 'edit'
      local choice = select({ M.FILE_APPLY, M.FILE_SKIP }, {
        prompt = ('%s %s'):format(verb, file.path or file.uri),
        kind = 'codex_hunk',
      })
      if choice == nil then
        return nil, false
      end
      if choice == M.FILE_APPLY then
        any = true
      else
        chosen[file.uri] = {}
      end
    else
      local accepted = {}
      for n, hunk in ipairs(hunks) do
        local old_lines = type(hunk.oldLines) == 'table' and hunk.oldLines or {}
        local new_lines = type(hunk.newLines) == 'table' and hunk.newLines or {}
        -- Show the hunk: put the cursor on its first line (the diff windows scroll together).
        if api.nvim_win_is_valid(review.old_win) then
          api.nvim_set_current_win(review.old_win)
          local count = api.nvim_buf_line_count(0)
          local line = math.max(1, math.min((tonumber(hunk.oldStart) or 0) + 1, count))
          api.nvim_win_set_cursor(review.old_win, { line, 0 })
          vim.cmd('normal! zz')
        end
        local first = new_lines[1] or old_lines[1] or ''
        local prompt = ('%s hunk %d/%d (-%d +%d) %s'):format(
          file.path or '',
          n,
          #hunks,
          #old_lines,
          #new_lines,
          vim.trim(first):sub(1, 60)
        )
        local choice = select({ M.HUNK_APPLY, M.HUNK_SKIP }, {
          prompt = prompt,
          kind = 'codex_hunk',
        })
        if choice == nil then
          return nil, false
        end
        if choice == M.HUNK_APPLY then
          accepted[#accepted + 1] = hunk.index or (n - 1)
        end
      end
      any = any or #accepted > 0
      chosen[file.uri] = accepted
    end
  end
  return chosen, any
end

--- Show the proposal as diffs and ask; returns the `codex/approveEdit` answer.
---@param params table `{threadId, title, summary, files, edit}`
---@return table `{decision, hunks?}`
function M.review_edit(params)
  local files = type(params) == 'table' and type(params.files) == 'table' and params.files or {}
  local title = type(params.title) == 'string' and params.title or 'Codex'
  local summary = type(params.summary) == 'string' and params.summary or ''
  local origin_tab = api.nvim_get_current_tabpage()
  local origin_win = api.nvim_get_current_win()
  local reviews = {}
  local ok, err = pcall(function()
    for _, file in ipairs(files) do
      reviews[#reviews + 1] = open_file_tab(file, title)
    end
  end)
  if not ok then
    vim.notify('codex_lsp: could not show the diff: ' .. tostring(err), vim.log.levels.WARN)
  end
  if reviews[1] then
    api.nvim_set_current_tabpage(reviews[1].tab)
    api.nvim_set_current_win(reviews[1].new_win)
  end
  local hunk_count = 0
  for _, file in ipairs(files) do
    hunk_count = hunk_count + (type(file.hunks) == 'table' and #file.hunks or 0)
  end
  local items = { M.APPLY, M.APPLY_SESSION }
  if hunk_count > 1 then
    items[#items + 1] = M.CHOOSE_HUNKS
  end
  items[#items + 1] = M.REJECT

  local answer = { decision = 'reject' }
  local choice = select(items, {
    prompt = ('%s: %s'):format(title, summary),
    kind = 'codex_approval',
  })
  if choice == M.APPLY then
    answer = { decision = 'approve' }
  elseif choice == M.APPLY_SESSION then
    answer = { decision = 'approveForSession' }
  elseif choice == M.CHOOSE_HUNKS then
    local hunks, any = choose_hunks(reviews)
    if hunks and any then
      answer = { decision = 'approve', hunks = hunks }
    end
  end

  close_tabs(reviews)
  if api.nvim_tabpage_is_valid(origin_tab) then
    api.nvim_set_current_tabpage(origin_tab)
    if api.nvim_win_is_valid(origin_win) then
      api.nvim_set_current_win(origin_win)
    end
  end
  return answer
end

--- Ask whether a shell command may run; returns the `codex/approveCommand` answer.
---@param params table `{threadId, command: string[], cwd, reason}`
---@return table `{decision}`
function M.review_command(params)
  local argv = type(params) == 'table' and type(params.command) == 'table' and params.command
    or {}
  local shown = table.concat(
    vim.tbl_map(function(arg)
      return arg:find('[%s\'"]') and vim.fn.shellescape(arg) or arg
    end, argv),
    ' '
  )
  local prompt = ('Codex wants to run: %s'):format(shown)
  if type(params.cwd) == 'string' then
    prompt = prompt .. ' (in ' .. vim.fn.fnamemodify(params.cwd, ':~') .. ')'
  end
  if type(params.reason) == 'string' and params.reason ~= '' then
    prompt = prompt .. ': ' .. params.reason
  end
  local choice = select({ M.RUN, M.RUN_SESSION, M.REJECT }, {
    prompt = prompt,
    kind = 'codex_command',
  })
  local decision = ({ [M.RUN] = 'approve', [M.RUN_SESSION] = 'approveForSession' })[choice]
  return { decision = decision or 'reject' }
end

--- Error-proof wrapper: any failure in the UI is a rejection, never a nil answer.
---@param fn fun(params: table): table
---@param params table
---@return table
local function safely(fn, params)
  local ok, result = pcall(fn, params)
  if ok and type(result) == 'table' then
    return result
  end
  vim.notify('codex_lsp: approval failed: ' .. tostring(result), vim.log.levels.ERROR)
  return { decision = 'reject' }
end

--- `codex/approveEdit` request handler.
---@param params table
---@return table
function M.approve_edit_handler(_, params)
  return safely(M.review_edit, params)
end

--- `codex/approveCommand` request handler.
---@param params table
---@return table
function M.approve_command_handler(_, params)
  return safely(M.review_command, params)
end

return M
