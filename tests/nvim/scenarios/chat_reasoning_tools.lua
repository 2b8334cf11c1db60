-- The chat buffer shows what the VS Code view shows: the reasoning summary as it
-- streams, a command with its exit code and the end of its output, and the plan.
local chat = require('codex_lsp.chat')
local t = 'cccccccc-3'
local output = { 'Exit code: 1', 'Wall time: 0.4 seconds', 'Output:' }
for i = 1, 25 do
  output[#output + 1] = 'line ' .. i
end
local events = {
  { threadId = t, type = 'turnStarted', title = 'Codex: fix the tests' },
  { threadId = t, type = 'reasoning', delta = 'The tests ' },
  { threadId = t, type = 'reasoning', delta = 'fail.\nRun them first.' },
  { threadId = t, type = 'plan', plan = { { step = 'run tests', status = 'in_progress' } } },
  { threadId = t, type = 'tool', name = 'shell', detail = 'shell pytest -q', phase = 'begin', callId = 's1' },
  { threadId = t, type = 'tool', name = 'shell', detail = 'shell pytest -q', phase = 'end', ok = true,
    callId = 's1', exitCode = 1, output = table.concat(output, '\n') .. '\n' },
  { threadId = t, type = 'tool', name = 'read_file', detail = 'read_file a.py', phase = 'end', ok = true,
    callId = 'r1', exitCode = vim.NIL, output = 'L1: x' },
  { threadId = t, type = 'reasoning', delta = 'Now fix.' },
  { threadId = t, type = 'text', delta = 'Fixed.' },
  { threadId = t, type = 'turnFinished', status = 'answered', text = 'Fixed.', error = vim.NIL, changedFiles = {} },
}
for _, event in ipairs(events) do
  chat.event_handler(nil, event, { method = 'codex/event', client_id = 0 })
end
T.result.chat = chat.lines()
