-- The approval handlers on their own (no server): codex/approveCommand answers, a
-- multi-file codex/approveEdit with an added file, and answers as JSON on the wire.
local approval = require('codex_lsp.approval')

--- Run a handler like Neovim does (inside a coroutine) and wait for its answer.
local function run(handler, params)
  local done, answer = false, nil
  coroutine.wrap(function()
    answer = handler(nil, params, { method = 'test', client_id = 0 })
    done = true
  end)()
  T.wait(5000, function()
    return done
  end, 'the handler to answer')
  return answer
end

local cmd = { threadId = 't1', command = { 'pytest', '-q', 'tests dir' }, cwd = vim.fn.getcwd(), reason = 'run the tests' }
T.answer_select('Run always this session')
T.result.command_session = run(approval.approve_command_handler, cmd)
T.answer_select('Reject')
T.result.command_reject = run(approval.approve_command_handler, cmd)
T.answer_select(false)
T.result.command_dismissed = run(approval.approve_command_handler, cmd)

local cwd = vim.fn.getcwd()
local edit = {
  threadId = 't1',
  title = 'Codex: two files',
  summary = 'edit a.py (+1 -1); create b.py (+1 -0)',
  files = {
    {
      uri = vim.uri_from_fname(cwd .. '/a.py'), path = 'a.py', kind = 'update', moveTo = vim.NIL,
      diff = '', oldText = 'x = 1\ny = 2\n\n\n\n\nz = 3\n', newText = 'x = 10\ny = 2\n\n\n\n\nz = 30\n',
      hunks = {
        { index = 0, oldStart = 0, oldLines = { 'x = 1' }, newLines = { 'x = 10' } },
        { index = 1, oldStart = 6, oldLines = { 'z = 3' }, newLines = { 'z = 30' } },
      },
    },
    {
      uri = vim.uri_from_fname(cwd .. '/b.py'), path = 'b.py', kind = 'add', moveTo = vim.NIL,
      diff = '', oldText = vim.NIL, newText = 'print("b")\n', hunks = {},
    },
  },
  edit = { documentChanges = {} },
}
T.answer_select('Choose hunks…', function()
  T.result.review_tabs = #vim.api.nvim_list_tabpages()
  T.result.review_first = T.tab_snapshot()
end)
T.answer_select('Skip this hunk')
T.answer_select('Apply this hunk')
T.answer_select('Skip this file')
T.result.edit_hunks = run(approval.approve_edit_handler, edit)
T.result.edit_hunks_json = vim.json.decode(vim.json.encode(T.result.edit_hunks))
T.result.tabs_after = #vim.api.nvim_list_tabpages()

T.answer_select('Choose hunks…')
T.answer_select('Skip this hunk')
T.answer_select('Skip this hunk')
T.answer_select('Skip this file')
T.result.edit_none = run(approval.approve_edit_handler, edit)
T.result.edit_none_json = vim.json.encode(T.result.edit_none)

T.answer_select(false)
T.result.edit_dismissed = run(approval.approve_edit_handler, edit)
T.result.tabs_end = #vim.api.nvim_list_tabpages()

-- An update sent without its texts (the server's default): the diff shows the loaded
-- buffer, and it with the hunks applied.
local c_buf = vim.fn.bufadd(cwd .. '/c.py')
vim.fn.bufload(c_buf)
vim.api.nvim_buf_set_lines(c_buf, 0, -1, false, { 'a = 1', 'b = 2', 'c = 3', 'd = 4' })
local lean = {
  threadId = 't1', title = 'Codex: lean', summary = 'edit c.py (+2 -1)',
  files = {
    {
      uri = vim.uri_from_fname(cwd .. '/c.py'), path = 'c.py', kind = 'update', moveTo = vim.NIL,
      diff = '', oldText = vim.NIL, newText = vim.NIL,
      hunks = {
        { index = 0, oldStart = 1, oldLines = { 'b = 2\n' }, newLines = { 'b = 20\n', 'b2 = 21\n' } },
        { index = 1, oldStart = 3, oldLines = { 'd = 4\n' }, newLines = {} },
      },
    },
  },
  edit = { documentChanges = {} },
}
T.answer_select('Reject', function()
  T.result.lean_review = T.tab_snapshot()
end)
T.result.lean_answer = run(approval.approve_edit_handler, lean)
