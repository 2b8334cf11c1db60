-- Visual selection -> vim.lsp.buf.code_action() -> "Codex: Edit selection…" (the
-- instruction is a `# codex:` comment in the selection) -> diff tab -> Apply -> :write.
local bufnr = T.open('hello.py')

T.answer_select('Codex: Edit selection…')
T.answer_select('Apply', function()
  T.result.review = T.tab_snapshot()
end)

-- Select lines 1-3 linewise and ask for code actions, as a keymap in Visual mode would.
vim.api.nvim_feedkeys(vim.keycode('ggV2j<Cmd>lua vim.lsp.buf.code_action()<CR><Esc>'), 'x', false)

local result = T.wait_result('codex.editSelection')
T.result.command = result
T.result.after_review = T.tab_snapshot()
T.result.modified = vim.bo[bufnr].modified
T.result.buffer = T.lines(bufnr)
vim.api.nvim_set_current_buf(bufnr)
vim.cmd.write()
T.result.written = not vim.bo[bufnr].modified
