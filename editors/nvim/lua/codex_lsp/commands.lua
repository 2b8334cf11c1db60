--- User commands (`:CodexEdit`, `:CodexAsk`, …) and the client-side handlers
--- of the code actions' commands. Each sends `workspace/executeCommand` with
--- the one argument object documented in `docs/protocol.md` and reports the
--- result (`status`: applied | rejected | answered | cancelled | failed).
---
--- The user commands are one declarative table (`M.specs`: the server command, how
--- its argument is built, what is done with the answer) turned into Neovim
--- commands by one helper (`M.define`), which `review.lua` uses too.
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
--- `opts.on_needs_instruction`: called instead of reporting when the server answers
--- `needsInstruction` (see `M.edit_selection`).
---@param opts? { bufnr?: integer, client?: vim.lsp.Client, on_result?: fun(result: table), on_needs_instruction?: fun(result: table) }
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
    local needs = not err and type(result) == 'table' and result.needsInstruction == true
    if needs and opts.on_needs_instruction then
      opts.on_needs_instruction(result)
      return
    end
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

---@param opts table user-command opts
---@return table
local function selection_of(opts)
  return M.selection(api.nvim_get_current_buf(), opts.line1, opts.line2)
end

--- Run `codex.editSelection`. Without an instruction the server reads a `codex:`
--- comment in the selection; when there is none it answers `needsInstruction`, and
--- the instruction is asked with `vim.ui.input` and the command sent again.
---@param arg table `{uri, range, instruction?}`
---@param opts? { bufnr?: integer, client?: vim.lsp.Client }
function M.edit_selection(arg, opts)
  opts = opts or {}
  M.execute('codex.editSelection', arg, {
    bufnr = opts.bufnr,
    client = opts.client,
    on_needs_instruction = function()
      vim.ui.input({ prompt = 'Codex instruction: ' }, function(input)
        if input ~= nil and vim.trim(input) ~= '' then
          M.edit_selection(vim.tbl_extend('force', arg, { instruction = vim.trim(input) }), opts)
        end
      end)
    end,
  })
end

--- Client-side handler of the code actions' commands (`codex.editSelection`,
--- `codex.explain`, …): runs the command on the server (`codex.review` also fills
--- the quickfix list; "Edit selection…" asks for the instruction the server needs).
---@param command lsp.Command
---@param ctx table `{bufnr, client_id}`
function M.code_action_command(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local args = type(command.arguments) == 'table' and command.arguments or {}
  local arg = vim.deepcopy(type(args[1]) == 'table' and args[1] or {})
  if command.command == 'codex.editSelection' then
    M.edit_selection(arg, { bufnr = ctx.bufnr, client = client })
  elseif command.command == 'codex.review' then
    require('codex_lsp.review').review(arg)
  else
    M.execute(command.command, arg, { bufnr = ctx.bufnr, client = client })
  end
end

--- The command's text (`:CodexAsk <text>`), or nil after telling the user it is missing.
---@param opts table user-command opts
---@return string?
local function prompt_of(opts)
  local text = vim.trim(opts.args or '')
  if text == '' then
    notify(opts.name .. ' needs text, e.g. :' .. opts.name .. ' ...', vim.log.levels.ERROR)
    return nil
  end
  return text
end

--- `{threadId}` when the command was given one, else `{}` (the current thread).
---@param opts table user-command opts
---@return table
local function thread_of(opts)
  local thread = vim.trim(opts.args or '')
  return thread ~= '' and { threadId = thread } or {}
end

---@class codex_lsp.CommandSpec
---@field opts table `nvim_create_user_command` opts
---@field command? string the server command it sends
---@field arg? fun(opts: table): table? its argument (nil: nothing is sent); default `{}`
---@field send? fun(arg: table, bufnr: integer) instead of `M.execute(command, arg)`
---@field chat? boolean open the chat first (setup option `chat.open_on_ask`)
---@field on_result? fun(result: table, bufnr: integer) after the result is reported
---@field run? fun(opts: table) a command that sends nothing itself

--- Neovim user commands (`{fn, opts}`) for `specs`.
---@param specs table<string, codex_lsp.CommandSpec>
---@return table<string, {fn: fun(opts: table), opts: table}>
function M.define(specs)
  local defined = {}
  for name, spec in pairs(specs) do
    local fn = spec.run
      or function(opts)
        local bufnr = api.nvim_get_current_buf()
        local arg = {}
        if spec.arg then
          arg = spec.arg(opts)
        end
        if not arg then
          return
        end
        if spec.chat and (require('codex_lsp').options.chat or {}).open_on_ask ~= false then
          require('codex_lsp.chat').open(false)
        end
        if spec.send then
          spec.send(arg, bufnr)
          return
        end
        local on_result = spec.on_result
          and function(result)
            spec.on_result(result, bufnr)
          end
        M.execute(assert(spec.command), arg, { bufnr = bufnr, on_result = on_result })
      end
    defined[name] = { fn = fn, opts = spec.opts }
  end
  return defined
end

---@type table<string, codex_lsp.CommandSpec>
M.specs = {
  CodexEdit = {
    command = 'codex.editSelection',
    arg = function(opts)
      local arg = selection_of(opts)
      local instruction = vim.trim(opts.args or '')
      arg.instruction = instruction ~= '' and instruction or nil
      return arg
    end,
    send = function(arg, bufnr)
      M.edit_selection(arg, { bufnr = bufnr })
    end,
    opts = {
      range = true,
      nargs = '*',
      desc = 'Codex: edit the selected lines as instructed (or a "codex:" comment, or asks)',
    },
  },
  CodexAsk = {
    command = 'codex.ask',
    chat = true,
    arg = function(opts)
      local prompt = prompt_of(opts)
      if prompt and opts.range > 0 then
        return vim.tbl_extend('force', selection_of(opts), { prompt = prompt })
      end
      return prompt and { prompt = prompt }
    end,
    opts = { range = true, nargs = '+', desc = 'Codex: ask a question (about the selection)' },
  },
  CodexTask = {
    command = 'codex.runTask',
    chat = true,
    arg = function(opts)
      local prompt = prompt_of(opts)
      return prompt and { prompt = prompt }
    end,
    opts = { nargs = '+', desc = 'Codex: run a task over the workspace' },
  },
  CodexExplain = {
    command = 'codex.explain',
    arg = selection_of,
    opts = { range = true, desc = 'Codex: explain the selected lines' },
  },
  CodexCancel = {
    command = 'codex.cancel',
    arg = thread_of,
    opts = { nargs = '?', desc = 'Codex: cancel the running turns (or the given thread)' },
  },
  CodexUndo = {
    command = 'codex.undo',
    arg = thread_of,
    on_result = function(result)
      local files = type(result.changedFiles) == 'table' and result.changedFiles or {}
      if result.status ~= 'failed' then
        notify(#files > 0 and ('reverted ' .. table.concat(files, ', ')) or 'nothing to undo')
        vim.cmd.checktime()
      end
    end,
    opts = { nargs = '?', desc = "Codex: undo the last turn's edits" },
  },
  CodexLogin = {
    command = 'codex.login',
    arg = function(opts)
      return { method = vim.trim(opts.args or '') == 'device' and 'device' or 'browser' }
    end,
    on_result = function(result)
      if result.status == 'applied' then
        local who = result.email ~= vim.NIL and result.email or 'ChatGPT'
        local plan = result.plan ~= vim.NIL and result.plan and (' (' .. result.plan .. ')') or ''
        notify('signed in: ' .. tostring(who) .. plan)
      end
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
    command = 'codex.logout',
    on_result = function(result)
      notify(result.removed and 'signed out' or 'not signed in')
    end,
    opts = { desc = 'Codex: sign out (revoke and delete the stored sign-in)' },
  },
  CodexStatus = {
    command = 'codex.status',
    on_result = function(result)
      require('codex_lsp.status').show(result)
    end,
    opts = { desc = 'Codex: server version, configuration, running turns' },
  },
  CodexNewThread = {
    command = 'codex.newThread',
    on_result = function(result)
      notify('new thread ' .. tostring(result.threadId))
    end,
    opts = { desc = 'Codex: start a fresh conversation' },
  },
  CodexThreads = {
    run = function()
      require('codex_lsp.threads').pick(api.nvim_get_current_buf())
    end,
    opts = { desc = 'Codex: list threads; choose one to resume' },
  },
  CodexResume = {
    run = function(opts)
      local thread = vim.trim(opts.args or '')
      local threads = require('codex_lsp.threads')
      if thread == '' then
        threads.pick(api.nvim_get_current_buf())
      else
        threads.resume(thread, api.nvim_get_current_buf())
      end
    end,
    opts = { nargs = '?', desc = 'Codex: resume a thread (picker without an id)' },
  },
  CodexChat = {
    run = function()
      require('codex_lsp.chat').toggle()
    end,
    opts = { desc = 'Codex: show or hide the chat buffer' },
  },
}

M.user_commands = M.define(M.specs)

--- Define the user commands (idempotent).
function M.create()
  for name, def in pairs(M.user_commands) do
    api.nvim_create_user_command(name, def.fn, def.opts)
  end
end

return M
