--- `vim.ui.select` / `vim.ui.input` that return the answer. Neovim runs server-request
--- handlers in a coroutine: there they yield until the user answers, so an asynchronous
--- `vim.ui` (telescope, dressing, snacks) works and the editor stays responsive.
--- Called outside a coroutine they return what a synchronous `vim.ui` answered.
local M = {}

--- Call `open(callback)` and wait for `callback(value)`; the value.
---@param open fun(callback: fun(value: any))
---@return any
local function await(open)
  local co, is_main = coroutine.running()
  if not co or is_main then
    local got
    open(function(value)
      got = value
    end)
    return got
  end
  local answered, result = false, nil
  open(function(value)
    if answered then
      return
    end
    answered = true
    result = value
    -- Resume on the next tick: a synchronous vim.ui calls back before we yield.
    vim.schedule(function()
      coroutine.resume(co)
    end)
  end)
  coroutine.yield()
  return result
end

--- The item chosen, or nil when dismissed.
---@param items any[]
---@param opts table `vim.ui.select` opts
---@return any?
function M.select(items, opts)
  -- Draw first: the default vim.ui.select (inputlist) prompts over the screen.
  vim.cmd.redraw()
  return await(function(done)
    vim.ui.select(items, opts, function(choice)
      done(choice)
    end)
  end)
end

--- The text typed, or nil when dismissed.
---@param opts table `vim.ui.input` opts
---@return string?
function M.input(opts)
  return await(function(done)
    vim.ui.input(opts, function(text)
      done(text)
    end)
  end)
end

return M
