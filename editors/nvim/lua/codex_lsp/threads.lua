--- `:CodexThreads` / `:CodexResume`: pick a thread from `codex.listThreads`, resume it
--- (`codex.resumeThread`) and show its history in the chat.
local M = {}

---@param msg string
local function notify(msg)
  vim.notify('Codex: ' .. msg, vim.log.levels.INFO, { title = 'codex_lsp' })
end

--- Pick a thread from `codex.listThreads` and resume it.
---@param bufnr integer
function M.pick(bufnr)
  require('codex_lsp.commands').execute('codex.listThreads', {}, {
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
  require('codex_lsp.commands').execute('codex.resumeThread', { threadId = thread_id }, {
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

return M
