-- codex/requestUserInput through the real server: the model asks two questions; the chat
-- shows them with numbered options; the first is answered by picking an option, the
-- second by typing an answer ("Type an answer…" then vim.ui.input).
require('codex_lsp').setup({ progress = false })
T.open('hello.py')

T.answer_select('Postgres', function(prompt, items)
  T.result.first = { prompt = prompt, items = items, chat = require('codex_lsp.chat').lines() }
end)
T.answer_select('Type an answer', function(prompt, items)
  T.result.second = { prompt = prompt, items = items }
end)
T.answer_input('payments-api')
vim.cmd('CodexTask set up the service')
T.result.command = T.wait_result('codex.runTask')
T.result.chat = require('codex_lsp.chat').lines()
T.result.unused = #T.select_answers + #T.input_answers
