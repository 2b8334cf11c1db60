-- Only lsp/codex_lsp.lua on 'runtimepath' (the nvim-lspconfig way, CODEX_NVIM_LSP_ONLY=1):
-- a code action's command goes to the server unchanged, and its answer is shown with
-- vim.notify instead of being dropped: the text of "Explain", the error of an "Edit
-- selection…" that has no instruction.
T.truthy(not pcall(require, 'codex_lsp.commands'), 'the plugin is not on runtimepath')
local bufnr = T.open('hello.py')

--- Run the code action whose title contains `title` on lines `first`..`last` (1-based);
--- return the first "Codex: …" notification that follows.
local function run_action(title, first, last)
  local before = #T.result.notifications
  vim.lsp.buf.code_action({
    apply = true,
    range = { start = { first, 0 }, ['end'] = { last, 0 } },
    filter = function(action)
      return action.title:find(title, 1, true) ~= nil
    end,
  })
  return T.wait(30000, function()
    for i = before + 1, #T.result.notifications do
      local n = T.result.notifications[i]
      if n.message:find('Codex: ', 1, true) == 1 then
        return n
      end
    end
  end, 'a notification after ' .. title)
end

T.result.explain = run_action('Codex: Explain', 1, 3)
-- The server showed the answer as a document (window/showDocument); back to the code.
vim.api.nvim_set_current_buf(bufnr)
T.result.edit = run_action('Codex: Edit selection', 6, 6)
