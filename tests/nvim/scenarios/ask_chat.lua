-- :CodexAsk streams the answer into the chat buffer; then :CodexStatus.
local bufnr = T.open('hello.py')
local chat = require('codex_lsp.chat')

vim.cmd('CodexAsk what does greet do?')
T.result.command = T.wait_result('codex.ask')
T.wait(5000, function()
  return chat.text():find('*answered*', 1, true)
end, 'the status line in the chat')
T.result.chat = chat.lines()
T.result.chat_windows = vim.fn.win_findbuf(chat.buf())

vim.api.nvim_set_current_win(vim.fn.bufwinid(bufnr))
vim.cmd('CodexStatus')
T.result.status = T.wait_result('codex.status')
T.result.status_float = T.lines(0)
