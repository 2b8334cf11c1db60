-- :CodexEdit (applied) -> :CodexUndo reverts the buffer -> :CodexThreads lists the
-- thread and resumes it. Skipped while the server does not offer these commands.
local bufnr, client = T.open('hello.py')
local provider = client.server_capabilities.executeCommandProvider or {}
local missing = {}
for _, name in ipairs({ 'codex.listThreads', 'codex.resumeThread', 'codex.undo' }) do
  if not vim.list_contains(provider.commands or {}, name) then
    missing[#missing + 1] = name
  end
end
if #missing > 0 then
  T.result.skip = 'the server does not offer ' .. table.concat(missing, ', ') .. ' yet'
  return
end
local before = T.lines(bufnr)

T.answer_select('Apply')
vim.cmd('1,3CodexEdit use an f-string')
T.result.edit = T.wait_result('codex.editSelection')
T.result.edited = T.lines(bufnr)

vim.cmd('CodexUndo')
T.result.undo = T.wait_result('codex.undo')
T.wait(5000, function()
  return vim.deep_equal(T.lines(bufnr), before)
end, 'the buffer to be reverted')

T.answer_select('use an f-string', function(_, items)
  T.result.thread_items = items
end)
vim.cmd('CodexThreads')
T.result.threads = T.wait_result('codex.listThreads')
T.result.resume = T.wait_result('codex.resumeThread')
T.result.chat = require('codex_lsp.chat').lines()
