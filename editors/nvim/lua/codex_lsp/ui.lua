--- `vim.ui.select` / `vim.ui.input` that return the answer. Neovim runs server-request
--- handlers in a coroutine: there they yield until the user answers, so an asynchronous
--- `vim.ui` (telescope, dressing, snacks) works and the editor stays responsive.
--- Called outside a coroutine they return what a synchronous `vim.ui` answered.
---
--- A wait can be given up from outside (the server withdrew its request): `M.wait()`
--- makes a handle whose `cancel()` makes the pending call return nil at once; the
--- user's later answer is then ignored.
local M = {}

---@class codex_lsp.UiWait
---@field cancelled boolean set once `cancel` gave up the wait
---@field cancel fun() give up the pending select/input (no-op when none or answered)

--- A handle for giving up waits.
---@return codex_lsp.UiWait
function M.wait()
  return { cancelled = false, cancel = function() end }
end

--- Call `open(callback)` and wait for `callback(value)`; the value.
---@param open fun(callback: fun(value: any))
---@param wait? codex_lsp.UiWait
---@return any
local function await(open, wait)
  local co, is_main = coroutine.running()
  if not co or is_main then
    local got
    open(function(value)
      got = value
    end)
    return got
  end
  local answered, result = false, nil
  local function settle(value)
    if answered then
      return
    end
    answered = true
    result = value
    -- Resume on the next tick: a synchronous vim.ui calls back before we yield.
    vim.schedule(function()
      coroutine.resume(co)
    end)
  end
  if wait then
    wait.cancel = function()
      if not answered then
        wait.cancelled = true
        settle(nil)
      end
    end
  end
  open(settle)
  coroutine.yield()
  if wait then
    wait.cancel = function() end
  end
  return result
end

--- The item chosen, or nil when dismissed.
---@param items any[]
---@param opts table `vim.ui.select` opts
---@param wait? codex_lsp.UiWait lets the caller give up (then nil)
---@return any?
function M.select(items, opts, wait)
  -- Draw first: the default vim.ui.select (inputlist) prompts over the screen.
  vim.cmd.redraw()
  return await(function(done)
    vim.ui.select(items, opts, function(choice)
      done(choice)
    end)
  end, wait)
end

--- The text typed, or nil when dismissed.
---@param opts table `vim.ui.input` opts
---@param wait? codex_lsp.UiWait lets the caller give up (then nil)
---@return string?
function M.input(opts, wait)
  return await(function(done)
    vim.ui.input(opts, function(text)
      done(text)
    end)
  end, wait)
end

return M
