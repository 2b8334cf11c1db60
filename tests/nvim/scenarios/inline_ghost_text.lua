-- Inline completion in Insert mode, as typed: the plugin enabled vim.lsp.inline_completion
-- on attach; `A` at the end of "    ret" shows the server's suggestion as ghost text (an
-- extmark in Neovim's inline completion namespace); <Tab>, mapped as the README says to
-- vim.lsp.inline_completion.get(), accepts it into the buffer.
vim.keymap.set('i', '<Tab>', function()
  if not vim.lsp.inline_completion.get() then
    return '<Tab>'
  end
end, { expr = true, desc = 'Accept the current inline completion' })

local ns = vim.api.nvim_create_namespace('nvim.lsp.inline_completion')

T.async(function()
  local bufnr, client = T.open('shout.py')
  T.result.advertised = client.server_capabilities.inlineCompletionProvider ~= nil
  T.result.enabled = vim.lsp.inline_completion.is_enabled({ bufnr = bufnr })
  vim.api.nvim_win_set_cursor(0, { 6, 0 })
  vim.api.nvim_input('A')
  local mark = T.poll(15000, function()
    return vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })[1]
  end, 'ghost text')
  T.result.mode_shown = vim.api.nvim_get_mode().mode
  T.result.ghost_row = mark[2]
  T.result.ghost = vim.tbl_map(function(chunk)
    return chunk[1]
  end, mark[4].virt_text or {})
  T.result.line_shown = vim.api.nvim_buf_get_lines(bufnr, 5, 6, true)[1]

  vim.api.nvim_input('<Tab>')
  T.result.accepted = T.poll(5000, function()
    local line = vim.api.nvim_buf_get_lines(bufnr, 5, 6, true)[1]
    return line ~= T.result.line_shown and line or nil
  end, 'the suggestion to be accepted')
  T.result.cursor = vim.api.nvim_win_get_cursor(0)
  T.result.mode_accepted = vim.api.nvim_get_mode().mode
  vim.api.nvim_input('<Esc>')
  T.poll(5000, function()
    return vim.api.nvim_get_mode().mode == 'n'
  end, 'Normal mode')
  T.result.buffer = T.lines(bufnr)
end)
