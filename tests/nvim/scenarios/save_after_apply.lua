-- save_after_apply = true: an applied edit is written to disk, no :write needed.
require('codex_lsp').setup({ save_after_apply = true, progress = false })
local bufnr = T.open('two.py')

T.answer_select('Apply')
vim.cmd('%CodexEdit use f-strings')

T.result.command = T.wait_result('codex.editSelection')
T.result.modified = vim.bo[bufnr].modified
T.result.buffer = T.lines(bufnr)
