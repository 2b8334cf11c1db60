-- The chat buffer on its own: every codex/event type, a retried stream and two
-- interleaved turns, fed to the notification handler as the server sends them.
local chat = require('codex_lsp.chat')
local events = {
  { threadId = 'aaaaaaaa-1', type = 'turnStarted', title = 'Codex: fix the bug' },
  { threadId = 'aaaaaaaa-1', type = 'text', delta = 'Looking' },
  { threadId = 'aaaaaaaa-1', type = 'textReset' },
  { threadId = 'aaaaaaaa-1', type = 'text', delta = 'Reading the ' },
  { threadId = 'aaaaaaaa-1', type = 'text', delta = 'file.\nThen patching.' },
  { threadId = 'aaaaaaaa-1', type = 'tool', name = 'read_file', detail = 'read x.py', phase = 'begin' },
  { threadId = 'aaaaaaaa-1', type = 'tool', name = 'read_file', detail = 'read x.py', phase = 'end', ok = true },
  { threadId = 'aaaaaaaa-1', type = 'plan', explanation = 'Two steps', plan = {
    { step = 'read', status = 'completed' }, { step = 'patch', status = 'in_progress' } } },
  { threadId = 'bbbbbbbb-2', type = 'turnStarted', title = 'Codex: question' },
  { threadId = 'bbbbbbbb-2', type = 'text', delta = 'Yes.' },
  { threadId = 'aaaaaaaa-1', type = 'text', delta = 'Patched.' },
  { threadId = 'aaaaaaaa-1', type = 'notice', message = 'retrying', level = 'warning' },
  { threadId = 'aaaaaaaa-1', type = 'tool', name = 'apply_patch', detail = 'edit x.py', phase = 'end', ok = false },
  { threadId = 'aaaaaaaa-1', type = 'approvalWithdrawn', kind = 'edit' },
  { threadId = 'bbbbbbbb-2', type = 'turnFinished', status = 'answered', text = 'Yes.', error = vim.NIL, changedFiles = {} },
  { threadId = 'aaaaaaaa-1', type = 'turnFinished', status = 'failed', text = '', error = 'patch\ndid not apply', changedFiles = {} },
}
local seen = {}
vim.api.nvim_create_autocmd('User', {
  pattern = 'CodexEvent',
  callback = function(ev)
    seen[#seen + 1] = ev.data.type
  end,
})
for _, event in ipairs(events) do
  chat.event_handler(nil, event, { method = 'codex/event', client_id = 0 })
end
T.result.chat = chat.lines()
T.result.user_events = #seen
T.result.name = vim.api.nvim_buf_get_name(chat.buf())
T.result.filetype = vim.bo[chat.buf()].filetype
vim.cmd('CodexChat')
T.result.windows_open = #vim.fn.win_findbuf(chat.buf())
vim.cmd('CodexChat')
T.result.windows_closed = #vim.fn.win_findbuf(chat.buf())
