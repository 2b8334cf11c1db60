-- :CodexReview on a file: the findings land in vim.diagnostic (source "codex") and in the
-- quickfix list; "Codex: Dismiss finding" from the code action menu clears one;
-- :CodexFindingsClear clears the rest.
local bufnr = T.open('hello.py')
vim.cmd('CodexReview')
T.result.command = T.wait_result('codex.review')

local function diagnostics()
  return vim.tbl_map(function(d)
    return {
      lnum = d.lnum,
      end_lnum = d.end_lnum,
      severity = d.severity,
      source = d.source,
      code = d.code,
      message = d.message,
    }
  end, vim.diagnostic.get(bufnr))
end

T.result.diagnostics = T.wait(10000, function()
  local d = diagnostics()
  return #d == 2 and d or nil
end, 'two findings in vim.diagnostic')
table.sort(T.result.diagnostics, function(a, b)
  return a.lnum < b.lnum
end)
local qf = vim.fn.getqflist({ title = 1, items = 1, winid = 1 })
T.result.qf_title = qf.title
T.result.qf_open = qf.winid ~= 0
T.result.qf = vim.tbl_map(function(item)
  return { lnum = item.lnum, text = item.text, type = item.type, buf = item.bufnr == bufnr }
end, qf.items)

-- Back in the file's window (:copen moved the cursor), on the first finding's line.
vim.api.nvim_set_current_win(vim.fn.bufwinid(bufnr))
vim.api.nvim_win_set_cursor(0, { T.result.diagnostics[1].lnum + 1, 4 })
T.answer_select('Codex: Dismiss finding')
vim.lsp.buf.code_action()
T.result.after_dismiss = T.wait(10000, function()
  local d = diagnostics()
  return #d == 1 and d or nil
end, 'the dismissed finding to go')

vim.cmd('CodexFindingsClear')
T.wait(10000, function()
  return #vim.diagnostic.get(bufnr) == 0
end, 'every finding to be cleared')
T.result.cleared = T.wait_result('codex.clearFindings')
