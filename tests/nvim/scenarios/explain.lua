-- :CodexExplain on a range: the answer streams into the chat and the server opens it as a
-- Markdown document (window/showDocument).
local bufnr = T.open('hello.py')
vim.cmd('1,3CodexExplain')
T.result.command = T.wait_result('codex.explain')
T.wait(5000, function()
  return vim.api.nvim_get_current_buf() ~= bufnr
end, 'the answer document to be shown')
T.result.shown_name = vim.api.nvim_buf_get_name(0)
T.result.shown = T.lines(0)
T.result.chat = require('codex_lsp.chat').lines()
