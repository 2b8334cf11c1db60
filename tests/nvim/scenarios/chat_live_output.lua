-- Running commands' live output in the chat buffer, fed to the notification handler as
-- the server sends it: `toolOutput` replaces the running row's lines in place (other
-- lines written meanwhile stay), the step's end replaces the row with its final lines,
-- and a turn that ends first leaves the row stopped.
local chat = require('codex_lsp.chat')
local t = 'dddddddd-4'
local function send(event)
  event.threadId = event.threadId or t
  chat.event_handler(nil, event, { method = 'codex/event', client_id = 0 })
end
send({ type = 'turnStarted', title = 'Codex: run the tests' })
send({ type = 'tool', name = 'shell', detail = 'shell make test', phase = 'begin', callId = 'c1' })
send({ type = 'toolOutput', callId = 'c1', tail = 'tick 1\n' })
T.result.first = chat.lines()
send({ type = 'toolOutput', callId = 'c1', tail = 'tick 1\ntick 2\ntick 3' })
send({ type = 'tool', name = 'shell', detail = 'shell sleep 9', phase = 'begin', callId = 'c2' })
send({ type = 'toolOutput', callId = 'c2', tail = 'waiting' })
send({ type = 'toolOutput', callId = 'c1', tail = 'tick 3\ntick 4' })
T.result.running = chat.lines()
send({ type = 'tool', name = 'shell', detail = 'shell make test', phase = 'end', ok = true,
  callId = 'c1', exitCode = 0, output = 'Exit code: 0\nOutput:\ntick 1\ntick 2\ntick 3\ntick 4\n' })
T.result.ended = chat.lines()
send({ type = 'toolOutput', callId = 'c1', tail = 'late' })
send({ type = 'turnFinished', status = 'cancelled', text = '', error = vim.NIL, changedFiles = {} })
T.result.chat = chat.lines()
