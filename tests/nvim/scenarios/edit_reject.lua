-- :CodexEdit {instruction} on a range -> diff tab -> Reject: the buffer stays as it was.
local bufnr = T.open('hello.py')
local before = T.lines(bufnr)

T.answer_select('Reject', function()
  T.result.review = T.tab_snapshot()
end)
vim.cmd('1,3CodexEdit use an f-string')

T.result.command = T.wait_result('codex.editSelection')
T.result.after_review = T.tab_snapshot()
T.result.modified = vim.bo[bufnr].modified
T.result.unchanged = vim.deep_equal(before, T.lines(bufnr))
T.result.buffer = T.lines(bufnr)
