--- User commands (`:CodexEdit`, `:CodexAsk`, …) and the client-side handlers
--- of the code actions' commands. Each sends `workspace/executeCommand` with
--- the one argument object documented in `docs/protocol.md` and reports the
--- result (`status`: applied | rejected | answered | cancelled | failed).
local M = {}

local api = vim.api

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify('Codex: ' .. msg, level or vim.log.levels.INFO, { title = 'codex_lsp' })
end

--- The thread of the last command result (informational: commands without a
--- thread id run on the server's current thread).
---@type string?
M.last_thread = nil

--- The last result of each command, for scripts and tests; a JSON-RPC error is
--- kept as `{status = 'error', error = message}`.
---@type table<string, table>
M.last_result = {}

---@param bufnr integer
---@return vim.lsp.Client?
local function client_or_warn(bufnr)
  local client = require('codex_lsp').client(bufnr)
  if not client then
    notify(
      "codex-lsp is not running for this buffer: vim.lsp.enable('codex_lsp') "
        .. 'and open a file in a folder with .git or AGENTS.md (see :checkhealth codex_lsp)',
      vim.log.levels.ERROR
    )
  end
  return client
end

--- Report a command's result to the user.
---@param command string
---@param result table?
---@param err lsp.ResponseError?
local function report(command, result, err)
  if err then
    local message = err.message or vim.inspect(err)
    M.last_result[command] = { status = 'error', error = message }
    notify(command .. ' failed: ' .. message, vim.log.levels.ERROR)
    return
  end
  if type(result) ~= 'table' then
    return
  end
  M.last_result[command] = result
  if type(result.threadId) == 'string' then
    M.last_thread = result.threadId
  end
  local status = result.status
  local files = type(result.changedFiles) == 'table' and result.changedFiles or {}
  if command == 'codex.cancel' and status ~= 'failed' then
    local cancelled = type(result.cancelled) == 'table' and #result.cancelled or 0
    notify(cancelled > 0 and ('cancelling %d turn(s)'):format(cancelled) or 'nothing to cancel')
  elseif status == 'failed' then
    notify(tostring(result.error or 'failed'), vim.log.levels.ERROR)
  elseif status == 'applied' then
    notify('applied ' .. table.concat(files, ', '))
    -- Files changed on disk (not through a buffer) show up at once.
    vim.cmd.checktime()
  elseif status == 'rejected' then
    notify('edit rejected')
  elseif status == 'cancelled' then
    notify('cancelled')
  end
  api.nvim_exec_autocmds('User', {
    pattern = 'CodexResult',
    modeline = false,
    data = { command = command, result = result },
  })
end

--- Send `workspace/executeCommand` to the codex_lsp client of `bufnr`.
---@param command string e.g. `codex.ask`
---@param arg table the argument object
---@param opts? { bufnr?: integer, client?: vim.lsp.Client, on_result?: fun(result: table) }
---@return boolean sent
function M.execute(command, arg, opts)
  opts = opts or {}
  local bufnr = opts.bufnr or api.nvim_get_current_buf()
  local client = opts.client or client_or_warn(bufnr)
  if not client then
    return false
  end
  if next(arg) == nil then
    arg = vim.empty_dict() -- `{}`, not `[]`: the server wants an object
  end
  local params = { command = command, arguments = { arg } }
  local ok = client:request('workspace/executeCommand', params, function(err, result)
    report(command, result, err)
    if not err and type(result) == 'table' and opts.on_result then
      opts.on_result(result)
    end
  end, bufnr)
  return ok ~= false
end

--- `{uri, range}` covering whole lines `line1..line2` (1-based) of `bufnr`,
--- in UTF-16 positions (the server's encoding).
---@param bufnr integer
---@param line1 integer
---@param line2 integer
---@return table
function M.selection(bufnr, line1, line2)
  local last = api.nvim_buf_get_lines(bufnr, line2 - 1, line2, false)[1] or ''
  return {
    uri = vim.uri_from_bufnr(bufnr),
    range = {
      start = { line = line1 - 1, character = 0 },
      ['end'] = { line = line2 - 1, character = vim.str_utfindex(last, 'utf-16') },
    },
  }
end

---@param opts table user-command opts
---@return table
local function selection_of(opts)
  local bufnr = api.nvim_get_current_buf()
  return M.selection(bufnr, opts.line1, opts.line2)
end

--- Text of the lines `range` covers, for finding a `codex:` comment.
---@param arg table `{uri, range}`
---@return string
local function range_text(arg)
  local ok, bufnr = pcall(vim.uri_to_bufnr, arg.uri)
  if not ok or not arg.range or not api.nvim_buf_is_loaded(bufnr) then
    return ''
  end
  local lines = api.nvim_buf_get_lines(bufnr, arg.range.start.line, arg.range['end'].line + 1, false)
  return table.concat(lines, '\n')
end

--- Whether the selection carries its instruction as a `codex:` comment.
---@param text string
---@return boolean
function M.has_instruction_comment(text)
  for line in vim.gsplit(text, '\n', { plain = true }) do
    local trimmed = vim.trim(line)
    for _, leader in ipairs({ '#', '//', '--', ';', '/*', '<!--', '*' }) do
      if vim.startswith(trimmed, leader) then
        local rest = vim.trim(trimmed:sub(#leader + 1))
        if rest:match('^codex:%s*%S') then
          return true
        end
      end
    end
  end
  return false
end

--- Run `run` once `arg` (of `codex.editSelection`) has an instruction: given,
--- a `codex:` comment in the selection, or asked for with `vim.ui.input`.
---@param arg table
---@param run fun()
local function with_instruction(arg, run)
  if type(arg.instruction) == 'string' and vim.trim(arg.instruction) ~= '' then
    run()
    return
  end
  if M.has_instruction_comment(range_text(arg)) then
    run()
    return
  end
  vim.ui.input({ prompt = 'Codex instruction: ' }, function(input)
    if input == nil or vim.trim(input) == '' then
      return
    end
    arg.instruction = vim.trim(input)
    run()
  end)
end

--- Client-side handler of the code actions' commands (`codex.editSelection`,
--- `codex.explain`, …): asks for the instruction of "Edit selection…" unless
--- the selection has a `codex:` comment, then runs the command on the server.
---@param command lsp.Command
---@param ctx table `{bufnr, client_id}`
function M.code_action_command(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local args = type(command.arguments) == 'table' and command.arguments or {}
  local arg = vim.deepcopy(type(args[1]) == 'table' and args[1] or {})
  local run = function()
    M.execute(command.command, arg, { bufnr = ctx.bufnr, client = client })
  end
  if command.command == 'codex.editSelection' then
    with_instruction(arg, run)
  elseif command.command == 'codex.review' then
    require('codex_lsp.review').review(arg) -- also fills the quickfix list
  else
    run()
  end
end

local function open_chat()
  local chat = require('codex_lsp.chat')
  local opts = require('codex_lsp').options.chat or {}
  if opts.open_on_ask ~= false then
    chat.open(false)
  end
end

--- Show lines in a floating scratch window (closed with q).
---@param title string
---@param lines string[]
local function show_lines(title, lines)
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
function M.status_lines(result)
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

--- Pick a thread from `codex.listThreads` and resume it.
---@param bufnr integer
local function pick_thread(bufnr)
  M.execute('codex.listThreads', {}, {
    bufnr = bufnr,
    on_result = function(result)
      local threads = type(result.threads) == 'table' and result.threads or {}
      if #threads == 0 then
        notify('no threads yet')
        return
      end
      vim.ui.select(threads, {
        prompt = 'Codex threads (choose one to resume)',
        kind = 'codex_thread',
        format_item = function(t)
          local title = type(t.title) == 'string' and t.title or '(untitled)'
          local updated = t.updated and t.updated ~= vim.NIL and (' · ' .. tostring(t.updated))
            or ''
          return ('%s%s · %s turn(s) · %s'):format(
            title,
            updated,
            tostring(t.turns or 0),
            tostring(t.threadId):sub(1, 8)
          )
        end,
      }, function(choice)
        if choice then
          M.resume(choice.threadId, bufnr)
        end
      end)
    end,
  })
end

--- Resume a thread: it becomes the server's current thread.
---@param thread_id string
---@param bufnr integer
function M.resume(thread_id, bufnr)
  M.execute('codex.resumeThread', { threadId = thread_id }, {
    bufnr = bufnr,
    on_result = function(result)
      if result.status == 'failed' then
        return
      end
      local chat = require('codex_lsp.chat')
      local lines = { '', '## Resumed thread ' .. tostring(result.threadId or thread_id), '' }
      local history = result.history
      if type(history) == 'string' then
        vim.list_extend(lines, vim.split(history, '\n', { plain = true }))
      elseif type(history) == 'table' then
        for _, entry in ipairs(history) do
          if type(entry) == 'table' then
            local who = entry.role or entry.type or ''
            local text = entry.text or entry.summary or entry.title or vim.inspect(entry)
            lines[#lines + 1] = ('- %s %s'):format(who, tostring(text):gsub('\n', ' '))
          else
            lines[#lines + 1] = '- ' .. tostring(entry)
          end
        end
      end
      chat.append_lines(lines)
      chat.open(false)
      notify('resumed thread ' .. tostring(result.threadId or thread_id))
    end,
  })
end

--- Check that a prompt was given.
---@param opts table user-command opts
---@param what string
---@return string?
local function need_args(opts, what)
  local text = vim.trim(opts.args or '')
  if text == '' then
    notify(what .. ' needs text, e.g. :' .. opts.name .. ' ...', vim.log.levels.ERROR)
    return nil
  end
  return text
end

---@type table<string, {fn: fun(opts: table), opts: table}>
M.user_commands = {
  CodexEdit = {
    fn = function(opts)
      local bufnr = api.nvim_get_current_buf()
      local arg = selection_of(opts)
      local instruction = vim.trim(opts.args or '')
      if instruction ~= '' then
        arg.instruction = instruction
      end
      with_instruction(arg, function()
        M.execute('codex.editSelection', arg, { bufnr = bufnr })
      end)
    end,
    opts = {
      range = true,
      nargs = '*',
      desc = 'Codex: edit the selected lines as instructed (or a "codex:" comment, or asks)',
    },
  },
  CodexAsk = {
    fn = function(opts)
      local prompt = need_args(opts, 'CodexAsk')
      if not prompt then
        return
      end
      local arg = { prompt = prompt }
      if opts.range > 0 then
        arg = vim.tbl_extend('force', selection_of(opts), arg)
      end
      open_chat()
      M.execute('codex.ask', arg)
    end,
    opts = { range = true, nargs = '+', desc = 'Codex: ask a question (about the selection)' },
  },
  CodexTask = {
    fn = function(opts)
      local prompt = need_args(opts, 'CodexTask')
      if not prompt then
        return
      end
      open_chat()
      M.execute('codex.runTask', { prompt = prompt })
    end,
    opts = { nargs = '+', desc = 'Codex: run a task over the workspace' },
  },
  CodexExplain = {
    fn = function(opts)
      M.execute('codex.explain', selection_of(opts))
    end,
    opts = { range = true, desc = 'Codex: explain the selected lines' },
  },
  CodexCancel = {
    fn = function(opts)
      local arg = {}
      local thread = vim.trim(opts.args or '')
      if thread ~= '' then
        arg.threadId = thread
      end
      M.execute('codex.cancel', arg)
    end,
    opts = { nargs = '?', desc = 'Codex: cancel the running turns (or the given thread)' },
  },
  CodexThreads = {
    fn = function()
      pick_thread(api.nvim_get_current_buf())
    end,
    opts = { desc = 'Codex: list threads; choose one to resume' },
  },
  CodexResume = {
    fn = function(opts)
      local thread = vim.trim(opts.args or '')
      if thread == '' then
        pick_thread(api.nvim_get_current_buf())
      else
        M.resume(thread, api.nvim_get_current_buf())
      end
    end,
    opts = { nargs = '?', desc = 'Codex: resume a thread (picker without an id)' },
  },
  CodexUndo = {
    fn = function(opts)
      local arg = {}
      local thread = vim.trim(opts.args or '')
      if thread ~= '' then
        arg.threadId = thread
      end
      M.execute('codex.undo', arg, {
        on_result = function(result)
          local files = type(result.changedFiles) == 'table' and result.changedFiles or {}
          if result.status ~= 'failed' then
            notify(#files > 0 and ('reverted ' .. table.concat(files, ', ')) or 'nothing to undo')
            vim.cmd.checktime()
          end
        end,
      })
    end,
    opts = { nargs = '?', desc = "Codex: undo the last turn's edits" },
  },
  CodexLogin = {
    fn = function(opts)
      local method = vim.trim(opts.args or '') == 'device' and 'device' or 'browser'
      M.execute('codex.login', { method = method }, {
        on_result = function(result)
          if result.status == 'applied' then
            local who = result.email ~= vim.NIL and result.email or 'ChatGPT'
            local plan = result.plan ~= vim.NIL and result.plan and (' (' .. result.plan .. ')') or ''
            notify('signed in: ' .. tostring(who) .. plan)
          end
        end,
      })
    end,
    opts = {
      nargs = '?',
      complete = function()
        return { 'device' }
      end,
      desc = 'Codex: sign in with ChatGPT (browser; `device` for a code on remote machines)',
    },
  },
  CodexLogout = {
    fn = function()
      M.execute('codex.logout', {}, {
        on_result = function(result)
          notify(result.removed and 'signed out' or 'not signed in')
        end,
      })
    end,
    opts = { desc = 'Codex: sign out (revoke and delete the stored sign-in)' },
  },
  CodexStatus = {
    fn = function()
      M.execute('codex.status', {}, {
        on_result = function(result)
          show_lines('Codex status', M.status_lines(result))
        end,
      })
    end,
    opts = { desc = 'Codex: server version, configuration, running turns' },
  },
  CodexNewThread = {
    fn = function()
      M.execute('codex.newThread', {}, {
        on_result = function(result)
          notify('new thread ' .. tostring(result.threadId))
        end,
      })
    end,
    opts = { desc = 'Codex: start a fresh conversation' },
  },
  CodexChat = {
    fn = function()
      require('codex_lsp.chat').toggle()
    end,
    opts = { desc = 'Codex: show or hide the chat buffer' },
  },
}

--- Define the user commands (idempotent).
function M.create()
  for name, def in pairs(M.user_commands) do
    api.nvim_create_user_command(name, def.fn, def.opts)
  end
end

return M
