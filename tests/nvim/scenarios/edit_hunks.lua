-- Per-hunk choice: a patch with two hunks; apply the first, skip the second.
local bufnr = T.open('two.py')

T.answer_select('Choose hunks…', function()
  T.result.review = T.tab_snapshot()
end)
T.answer_select('Apply this hunk')
T.answer_select('Skip this hunk')
vim.cmd('%CodexEdit use f-strings')

T.result.command = T.wait_result('codex.editSelection')
T.result.buffer = T.lines(bufnr)
T.result.tabs = #vim.api.nvim_list_tabpages()
vim.cmd.write()
