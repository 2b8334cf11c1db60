-- :CodexEdit on lines without a `codex:` comment and without an instruction: the server
-- answers needsInstruction; the plugin asks with vim.ui.input and sends the command again
-- with the typed instruction -> diff tab -> Apply.
require('codex_lsp').setup({ progress = false })
local bufnr = T.open('two.py')

T.answer_input('use f-strings')
T.answer_select('Apply')
vim.cmd('1,6CodexEdit')

T.result.command = T.wait_result('codex.editSelection')
T.result.buffer = T.lines(bufnr)
