-- codex/requestUserInput dismissed: the select is closed without a choice; the model hears
-- the user dismissed the questions and the turn goes on.
require('codex_lsp').setup({ progress = false })
T.open('hello.py')

T.answer_select(false)
vim.cmd('CodexTask set up the service')
T.result.command = T.wait_result('codex.runTask')
T.result.chat = require('codex_lsp.chat').lines()
