-- Headless Neovim test harness for editors/nvim (driven by tests/nvim/test_nvim.py).
--
--   nvim --headless --clean -u tests/nvim/init.lua
--
-- Environment:
--   CODEX_NVIM_SCENARIO  Lua file to run (tests/nvim/scenarios/*.lua), with the global `T`
--   CODEX_NVIM_RESULT    JSON file the scenario's observations (`T.result`) are written to
--   CODEX_NVIM_LOG       log file (messages, vim.ui prompts, failures)
--   CODEX_NVIM_TIMEOUT   milliseconds before the scenario fails (default 60000)
--   CODEX_NVIM_LSP_ONLY  1: only editors/nvim/lsp/codex_lsp.lua on 'runtimepath' (the
--                        nvim-lspconfig way), not the plugin's Lua modules
--
-- The scenario runs from a nested VimEnter autocmd (so FileType fires and the LSP client
-- attaches). Exit code: 0 = pass, 1 = a failed check or an error, 3 = timeout.
-- A scenario that needs Neovim's main loop (typed keys, Insert mode, the autocmds they
-- fire) runs its body with `T.async(fn)`: the body waits with `T.sleep` / `T.poll`,
-- while keys sent with `vim.api.nvim_input` are processed as if typed.
-- `vim.ui.select` / `vim.ui.input` are answered from queues the scenario fills; an
-- unexpected prompt fails the test instead of hanging headless Neovim.

local this = debug.getinfo(1, 'S').source:sub(2)
local root = vim.fn.fnamemodify(this, ':p:h:h:h')
if vim.env.CODEX_NVIM_LSP_ONLY == '1' then
  -- The nvim-lspconfig way: only lsp/codex_lsp.lua on 'runtimepath', not the plugin.
  local only = vim.fn.tempname()
  vim.fn.mkdir(only .. '/lsp', 'p')
  vim.fn.writefile(
    vim.fn.readfile(root .. '/editors/nvim/lsp/codex_lsp.lua', 'b'),
    only .. '/lsp/codex_lsp.lua',
    'b'
  )
  vim.opt.runtimepath:prepend(only)
else
  vim.opt.runtimepath:prepend(root .. '/editors/nvim')
end
vim.o.swapfile = false
vim.o.shada = ''
vim.o.more = false
vim.o.columns = 160
vim.o.lines = 50

local log_path = vim.env.CODEX_NVIM_LOG
local log_file = log_path and io.open(log_path, 'a') or nil

---@class T
local T = {
  root = root,
  result = { selects = {}, inputs = {}, notifications = {} },
  select_answers = {},
  input_answers = {},
  done = false,
}
_G.T = T

function T.log(...)
  local parts = {}
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    parts[#parts + 1] = type(v) == 'string' and v or vim.inspect(v)
  end
  local line = os.date('%H:%M:%S ') .. table.concat(parts, ' ')
  if log_file then
    log_file:write(line, '\n')
    log_file:flush()
  end
end

-- Keep notifications (the plugin reports results with vim.notify).
vim.notify = function(msg, level)
  T.log('notify', level or '', msg)
  table.insert(T.result.notifications, { message = msg, level = level })
end

local function write_result()
  local path = vim.env.CODEX_NVIM_RESULT
  if not path then
    return
  end
  local ok, encoded = pcall(vim.json.encode, T.result)
  if not ok then
    encoded = vim.json.encode({ encode_error = tostring(encoded) })
  end
  local f = assert(io.open(path, 'w'))
  f:write(encoded)
  f:close()
end

--- End the test: write the result, exit with 0 (pass) or `code`.
---@param ok boolean
---@param message? string
---@param code? integer
function T.finish(ok, message, code)
  if T.done then
    return
  end
  T.done = true
  T.result.ok = ok
  T.result.error = message
  T.log(ok and 'PASS' or 'FAIL', message or '')
  write_result()
  if ok then
    vim.cmd('qall!')
  else
    vim.cmd('cquit ' .. (code or 1))
  end
end

--- Fail the test now (raises, caught by the runner).
function T.fail(message)
  error(message, 2)
end

--- Wait until `cond()` is truthy (processing events), else fail with `what`.
---@param ms integer
---@param cond fun(): any
---@param what string
---@return any
function T.wait(ms, cond, what)
  local value
  local ok = vim.wait(ms, function()
    value = cond()
    return value ~= nil and value ~= false
  end, 20)
  if not ok then
    error(('timed out after %d ms waiting for %s'):format(ms, what), 2)
  end
  return value
end

function T.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(
      ('%s: expected %s, got %s'):format(what or 'value', vim.inspect(expected), vim.inspect(actual)),
      2
    )
  end
end

function T.truthy(value, what)
  if not value then
    error((what or 'value') .. ' is not true', 2)
  end
  return value
end

--- Queue the answer to the next `vim.ui.select`: the item whose text contains
--- `choice` (plain), or nil (dismissed) when `choice` is false. `inspect` runs
--- first with the prompt, the item texts and the opts (to look at the UI).
---@param choice string|false
---@param inspect? fun(prompt: string, items: string[], opts: table)
function T.answer_select(choice, inspect)
  table.insert(T.select_answers, { choice = choice, inspect = inspect })
end

--- Hold the next `vim.ui.select` open (a user who has not answered yet): its items and
--- callback go to `T.held` for the scenario to answer later.
function T.hold_select()
  table.insert(T.select_answers, { hold = true })
end

--- Queue the answer to the next `vim.ui.input` (false: dismissed).
---@param text string|false
function T.answer_input(text)
  table.insert(T.input_answers, text)
end

vim.ui.select = function(items, opts, on_choice)
  opts = opts or {}
  local format = opts.format_item or tostring
  local texts = {}
  for i, item in ipairs(items) do
    texts[i] = format(item)
  end
  local prompt = opts.prompt or ''
  T.log('select', prompt, texts)
  table.insert(T.result.selects, { prompt = prompt, items = texts, kind = opts.kind })
  local answer = table.remove(T.select_answers, 1)
  if not answer then
    T.finish(false, 'unexpected vim.ui.select: ' .. prompt .. ' ' .. vim.inspect(texts))
    return
  end
  if answer.hold then
    T.held = { items = items, texts = texts, on_choice = on_choice }
    return
  end
  -- Answer like a real UI: later, from the event loop.
  vim.schedule(function()
    if answer.inspect then
      local ok, err = pcall(answer.inspect, prompt, texts, opts)
      if not ok then
        T.finish(false, 'select inspect failed: ' .. tostring(err))
        return
      end
    end
    if answer.choice == false then
      on_choice(nil, nil)
      return
    end
    for i, text in ipairs(texts) do
      if text:find(answer.choice, 1, true) then
        on_choice(items[i], i)
        return
      end
    end
    T.finish(false, ('no item %q in select %q: %s'):format(answer.choice, prompt, vim.inspect(texts)))
  end)
end

vim.ui.input = function(opts, on_confirm)
  local prompt = (opts or {}).prompt or ''
  T.log('input', prompt)
  table.insert(T.result.inputs, prompt)
  if #T.input_answers == 0 then
    T.finish(false, 'unexpected vim.ui.input: ' .. prompt)
    return
  end
  local answer = table.remove(T.input_answers, 1)
  vim.schedule(function()
    on_confirm(answer ~= false and answer or nil)
  end)
end

--- Edit `path` (relative to the cwd, the workspace) and wait for codex_lsp to attach.
---@param path string
---@return integer bufnr
---@return vim.lsp.Client
function T.open(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local client = T.wait(20000, function()
    local clients = vim.lsp.get_clients({ name = 'codex_lsp', bufnr = bufnr })
    return clients[1] and clients[1].initialized and clients[1] or nil
  end, 'codex_lsp to attach to ' .. path)
  T.log('attached', client.id, client.root_dir)
  return bufnr, client
end

--- Wait for the result of `command` (e.g. `codex.ask`) from the plugin.
---@param command string
---@param ms? integer
---@return table
function T.wait_result(command, ms)
  local commands = require('codex_lsp.commands')
  local result = T.wait(ms or 30000, function()
    return commands.last_result[command]
  end, 'the result of ' .. command)
  T.log('result', command, result)
  return result
end

--- Lines of a buffer.
function T.lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr or 0, 0, -1, false)
end

--- Snapshot of the current tab: each window's buffer name, lines, &diff.
function T.tab_snapshot()
  local wins = {}
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local buf = vim.api.nvim_win_get_buf(win)
    table.insert(wins, {
      name = vim.api.nvim_buf_get_name(buf),
      lines = T.lines(buf),
      diff = vim.wo[win].diff,
      current = win == vim.api.nvim_get_current_win(),
    })
  end
  return { tabs = #vim.api.nvim_list_tabpages(), windows = wins }
end

--- Run `fn` as a coroutine driven from the main loop; the scenario ends when it returns.
--- Unlike `T.wait` (which blocks the main loop), `T.sleep` / `T.poll` in `fn` let Neovim
--- process typed keys, change modes and fire autocmds meanwhile.
---@param fn fun()
function T.async(fn)
  T.is_async = true
  local co = coroutine.create(fn)
  T._step = function()
    if T.done then
      return
    end
    local ok, err = coroutine.resume(co)
    if not ok then
      T.finish(false, debug.traceback(co, tostring(err)))
    elseif coroutine.status(co) == 'dead' then
      T.finish(true)
    end
  end
  vim.schedule(T._step)
end

--- In `T.async`: give the main loop `ms` milliseconds.
---@param ms integer
function T.sleep(ms)
  vim.defer_fn(T._step, ms)
  coroutine.yield()
end

--- In `T.async`: wait until `cond()` is truthy (checked every 20 ms), else fail with `what`.
---@param ms integer
---@param cond fun(): any
---@param what string
---@return any
function T.poll(ms, cond, what)
  local deadline = vim.uv.hrtime() + ms * 1e6
  while true do
    local value = cond()
    if value ~= nil and value ~= false then
      return value
    end
    if vim.uv.hrtime() > deadline then
      error(('timed out after %d ms waiting for %s'):format(ms, what), 2)
    end
    T.sleep(20)
  end
end

local timeout = tonumber(vim.env.CODEX_NVIM_TIMEOUT or '') or 60000
vim.defer_fn(function()
  T.finish(false, ('scenario timed out after %d ms'):format(timeout), 3)
end, timeout)

vim.lsp.enable('codex_lsp')

vim.api.nvim_create_autocmd('VimEnter', {
  nested = true,
  once = true,
  callback = function()
    local scenario = vim.env.CODEX_NVIM_SCENARIO
    if not scenario then
      T.finish(false, 'CODEX_NVIM_SCENARIO is not set')
      return
    end
    T.log('scenario', scenario, 'nvim', tostring(vim.version()))
    local ok, err = xpcall(dofile, debug.traceback, scenario)
    if T.done or (ok and T.is_async) then
      return -- an async scenario ends when its coroutine does
    end
    if ok then
      T.finish(true)
    else
      T.finish(false, tostring(err))
    end
  end,
})
