-- codex/requestUserInput through the real server, never answered in time: the server
-- stops waiting (approval_timeout_sec) and withdraws the question; the plugin ends its
-- wait, says so in the chat, and the answer the user gives afterwards to the prompt
-- still on screen changes nothing.
require('codex_lsp').setup({ progress = false })
T.open('hello.py')

T.hold_select()
vim.cmd('CodexTask set up the service')
T.result.command = T.wait_result('codex.runTask')
local chat = require('codex_lsp.chat')
T.result.chat = chat.lines()
local held = T.truthy(T.held, 'the question prompt')
T.result.held_prompt = held.texts
held.on_choice(held.items[1], 1) -- the late answer
vim.wait(100)
T.result.chat_after = chat.lines()
T.result.unused = #T.select_answers + #T.input_answers
