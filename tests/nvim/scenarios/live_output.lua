-- A running command's output through the real server: while `shell` runs a script that
-- prints a line at a time, the chat shows the command's row with its latest lines (each
-- snapshot with a running row is kept); after the turn the row is the final one.
require('codex_lsp').setup({ progress = false })
T.open('hello.py')

local chat = require('codex_lsp.chat')
local commands = require('codex_lsp.commands')
T.result.running = {}
vim.cmd('CodexTask tick')
T.result.command = T.wait(30000, function()
  local lines = chat.lines()
  for _, line in ipairs(lines) do
    if line:find('> ▶ ', 1, true) == 1 then
      local previous = T.result.running[#T.result.running]
      if not vim.deep_equal(previous, lines) then
        table.insert(T.result.running, lines)
      end
      break
    end
  end
  return commands.last_result['codex.runTask']
end, 'the result of codex.runTask')
T.result.chat = chat.lines()
