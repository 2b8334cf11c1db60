--- Answers the server's `codex/intel` requests from Neovim's other language
--- servers (sent because `lsp/codex_lsp.lua` sets
--- `capabilities.experimental.codexIntel = true`):
---
--- * `{ method = 'textDocument/definition' | …/references | …/hover |
---   …/documentSymbol | 'workspace/symbol', params }`: the request goes to the
---   other clients of the buffer (`vim.lsp.buf_request_all`; workspace/symbol to
---   every client that supports it) and their results are merged.
--- * `{ method = 'codex/diagnostics', params = { uris, settleMs } }`:
---   `vim.diagnostic.get` of each buffer, after waiting (at most `settleMs`) for
---   another server to publish for the buffer's current text when `settleMs` > 0
---   (servers that only answer pull diagnostics are not waited for).
---
--- The handler runs in a coroutine (Neovim runs server-request handlers so) and
--- yields while it waits; the editor stays responsive.
local M = {}

local SELF = 'codex_lsp'
local QUERY_TIMEOUT_MS = 8000

--- changedtick of each buffer when its diagnostics last changed.
---@type table<integer, integer>
local settled_tick = {}
--- Coroutines waiting for a buffer's diagnostics.
---@type table<integer, thread[]>
local waiters = {}

--- Another server published for `bufnr`: note the text version it is for, wake waiters.
local function published(bufnr, version)
  settled_tick[bufnr] = version or vim.b[bufnr].changedtick
  local list = waiters[bufnr]
  waiters[bufnr] = nil
  for _, co in ipairs(list or {}) do
    vim.schedule(function()
      if coroutine.status(co) == 'suspended' then
        coroutine.resume(co)
      end
    end)
  end
end

-- Wrap the publishDiagnostics handler (not `DiagnosticChanged`: codex-lsp's own findings
-- fire that too, and it does not say which text version the diagnostics are for).
local publish = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, ...)
  local answer = publish(err, result, ctx, ...)
  local client = ctx and vim.lsp.get_client_by_id(ctx.client_id)
  if result and result.uri and client and client.name ~= SELF then
    local bufnr = vim.uri_to_bufnr(result.uri)
    if vim.api.nvim_buf_is_loaded(bufnr) then
      published(bufnr, result.version)
    end
  end
  return answer
end

--- Other clients (not codex-lsp) attached to `bufnr`.
---@param bufnr integer
---@return vim.lsp.Client[]
local function others(bufnr)
  return vim.tbl_filter(function(c)
    return c.name ~= SELF
  end, vim.lsp.get_clients({ bufnr = bufnr }))
end

--- Yield until `ready()` or `ms` elapsed; wakes when a server publishes for `bufnr`.
local function wait_for(bufnr, ms, ready)
  local co = coroutine.running()
  local deadline = vim.uv.now() + ms
  while not ready() and vim.uv.now() < deadline do
    waiters[bufnr] = waiters[bufnr] or {}
    table.insert(waiters[bufnr], co)
    local timer = vim.defer_fn(function()
      if coroutine.status(co) == 'suspended' then
        coroutine.resume(co)
      end
    end, math.max(1, deadline - vim.uv.now()))
    coroutine.yield()
    if timer and not timer:is_closing() then
      timer:stop()
      timer:close()
    end
  end
end

local function to_lsp(d)
  return {
    range = {
      start = { line = d.lnum, character = d.col },
      ['end'] = { line = d.end_lnum or d.lnum, character = d.end_col or d.col },
    },
    severity = d.severity,
    message = d.message,
    source = d.source,
    code = d.code,
  }
end

--- `{ diagnostics = { [uri] = lsp.Diagnostic[] } }` for loaded buffers.
local function diagnostics(params)
  local out = {}
  for _, uri in ipairs(params.uris or {}) do
    local bufnr = vim.uri_to_bufnr(uri)
    local items = {}
    if vim.api.nvim_buf_is_loaded(bufnr) then
      local settle = tonumber(params.settleMs) or 0
      if settle > 0 and #others(bufnr) > 0 then
        wait_for(bufnr, settle, function()
          return settled_tick[bufnr] == vim.b[bufnr].changedtick
        end)
      end
      for _, d in ipairs(vim.diagnostic.get(bufnr)) do
        local client = d.namespace and vim.diagnostic.get_namespace(d.namespace)
        if not (client and client.name and client.name:find(SELF, 1, true)) then
          table.insert(items, to_lsp(d))
        end
      end
    end
    out[uri] = items
  end
  return { diagnostics = out }
end

--- Merge answers: lists are joined, a single answer (hover) is the first non-empty one.
local function merge(answers)
  local list, single = {}, vim.NIL
  for _, answer in pairs(answers) do
    local result = answer.result
    if type(result) == 'table' and vim.islist(result) then
      vim.list_extend(list, result)
    elseif result ~= nil and result ~= vim.NIL and single == vim.NIL then
      single = result
    end
  end
  if #list > 0 then
    return list
  end
  return single
end

--- Send `method` to `clients` (or the buffer's) and yield until all answered.
local function ask(method, params, bufnr)
  local co = coroutine.running()
  local done, answers = false, {}
  local clients = bufnr and others(bufnr) or vim.lsp.get_clients()
  local pending = 0
  for _, client in ipairs(clients) do
    if client.name ~= SELF and client:supports_method(method, bufnr) then
      pending = pending + 1
      client:request(method, params, function(err, result)
        answers[client.id] = { err = err, result = result }
        pending = pending - 1
        if pending == 0 and not done then
          done = true
          vim.schedule(function()
            coroutine.resume(co)
          end)
        end
      end, bufnr)
    end
  end
  if pending == 0 then
    return nil, 'no language server in Neovim answers ' .. method
  end
  vim.defer_fn(function()
    if not done then
      done = true
      coroutine.resume(co)
    end
  end, QUERY_TIMEOUT_MS)
  coroutine.yield()
  return merge(answers)
end

--- The `codex/intel` handler.
---@param params table
---@return any result
---@return lsp.ResponseError? err
function M.handler(_, params)
  params = params or {}
  local inner = params.params or {}
  if params.method == 'codex/diagnostics' then
    return diagnostics(inner)
  end
  local bufnr
  if inner.textDocument then
    bufnr = vim.uri_to_bufnr(inner.textDocument.uri)
    if not vim.api.nvim_buf_is_loaded(bufnr) then
      return nil, { code = -32803, message = 'the file is not open in Neovim' }
    end
  end
  local result, err = ask(params.method, inner, bufnr)
  if err then
    return nil, { code = -32803, message = err }
  end
  return result
end

return M
