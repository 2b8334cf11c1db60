-- codex/approveCommand through the real server: settings from setup() (initializationOptions)
-- make every non-trivial command ask; the model runs `shell`; the test answers Run.
require('codex_lsp').setup({ settings = { approval_policy = 'untrusted' }, progress = false })
T.open('hello.py')

T.answer_select('Run')
vim.cmd('CodexTask create out.txt')
T.result.command = T.wait_result('codex.runTask')
T.result.unused_answers = #T.select_answers

require('codex_lsp.commands').execute('codex.status', {})
T.result.status = T.wait_result('codex.status')
