-- Neovim's own language server (basedpyright, from CODEX_TEST_PYRIGHT) answers codex-lsp's
-- `codex/intel`: the model's edit introduces a type error; the tool result it gets in the same
-- turn names it (asserted on the model's requests in test_nvim.py); lsp_* tools answer too.
vim.lsp.config('basedpyright', {
  cmd = vim.json.decode(vim.env.CODEX_TEST_PYRIGHT),
  filetypes = { 'python' },
  root_markers = { '.git' },
  settings = { basedpyright = { analysis = { typeCheckingMode = 'standard' } } },
})
vim.lsp.enable('basedpyright')
local bufnr = T.open('typed.py')
T.wait(30000, function()
  local c = vim.lsp.get_clients({ name = 'basedpyright', bufnr = bufnr })[1]
  return c and c.initialized
end, 'basedpyright to attach')
T.result.clients = vim.tbl_map(function(c)
  return c.name
end, vim.lsp.get_clients({ bufnr = bufnr }))

T.answer_select('Apply')
vim.cmd('CodexTask call greet with a number')
T.result.command = T.wait_result('codex.runTask', 60000)
T.result.buffer = T.lines(bufnr)
