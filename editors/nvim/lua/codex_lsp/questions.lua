--- The model's `request_user_input` questions, inline in the chat buffer (the server sends
--- `codex/requestUserInput` because `lsp/codex_lsp.lua` announces
--- `capabilities.experimental.codexUserInput = true`).
---
--- The questions are written into the chat with their options numbered; then each is
--- asked with `vim.ui.select` (the default one picks by the number key), whose last item
--- "Type an answer…" opens `vim.ui.input`. The answers go back as the server wants them
--- (`{answers = {[id] = {answers = {label or typed text}}}}`); dismissing a question
--- dismisses them all (`null`: the model hears the user did not answer).
---
--- When the server stops waiting (no answer within its time limit, the turn cancelled
--- or ended) it sends `codex/event` `questionWithdrawn {callId, reason}` (Neovim's
--- handlers do not see the request id its `$/cancelRequest` names): the open prompt's
--- wait ends, the chat says the questions were withdrawn, and an answer the user still
--- gives to a prompt that stays on screen is ignored.
local M = {}

local ui = require('codex_lsp.ui')

M.TYPE_ANSWER = 'Type an answer…'

--- The waits of the questions being asked, by call id.
---@type table<string, codex_lsp.UiWait>
local open_waits = {}

---@class codex_lsp.QuestionOption
---@field label string
---@field description? string

---@class codex_lsp.Question
---@field id string
---@field header? string
---@field question string
---@field options? codex_lsp.QuestionOption[]

---@param value any
---@return string
local function str(value)
  return ((type(value) == 'string' and value or ''):gsub('\n', ' '))
end

---@param question codex_lsp.Question
---@return codex_lsp.QuestionOption[]
local function options_of(question)
  return type(question.options) == 'table' and question.options or {}
end

--- The chat lines of one question: its header and question, then the numbered options.
---@param question codex_lsp.Question
---@return string[]
function M.question_lines(question)
  local head = str(question.header) ~= '' and (' (' .. str(question.header) .. ')') or ''
  local lines = { ('> **Codex asks**%s: %s'):format(head, str(question.question)) }
  local options = options_of(question)
  for i, option in ipairs(options) do
    local about = str(option.description) ~= '' and (' — ' .. str(option.description)) or ''
    lines[#lines + 1] = ('>   %d. %s%s'):format(i, str(option.label), about)
  end
  lines[#lines + 1] = ('>   %d. %s'):format(#options + 1, M.TYPE_ANSWER)
  return lines
end

--- Ask one question: the label chosen or the text typed; nil when dismissed.
---@param question codex_lsp.Question
---@param wait codex_lsp.UiWait
---@return string?
local function ask(question, wait)
  local options = options_of(question)
  local items = vim.list_extend(vim.deepcopy(options), { { label = M.TYPE_ANSWER } })
  local prompt = str(question.question)
  local choice = #options == 0 and items[1]
    or ui.select(items, {
      prompt = str(question.header) ~= '' and (str(question.header) .. ': ' .. prompt) or prompt,
      kind = 'codex_question',
      format_item = function(item)
        local about = str(item.description) ~= '' and (' — ' .. str(item.description)) or ''
        return str(item.label) .. about
      end,
    }, wait)
  if choice == nil then
    return nil
  end
  if choice.label ~= M.TYPE_ANSWER then
    return choice.label
  end
  local typed = ui.input({ prompt = prompt .. ' ' }, wait)
  if typed == nil or vim.trim(typed) == '' then
    return nil
  end
  return vim.trim(typed)
end

--- Put the questions of `params` to the user; the result for the server (vim.NIL: dismissed).
---@param params {threadId: string, callId: string, questions: codex_lsp.Question[]}
---@return table|userdata
function M.ask_all(params)
  local chat = require('codex_lsp.chat')
  local questions = type(params) == 'table' and type(params.questions) == 'table' and params.questions
    or {}
  local lines = { '' }
  for _, question in ipairs(questions) do
    vim.list_extend(lines, M.question_lines(question))
  end
  chat.append_lines(lines)
  chat.open(false)
  local call = str(type(params) == 'table' and params.callId)
  local wait = ui.wait()
  open_waits[call] = wait
  local answers = {}
  for _, question in ipairs(questions) do
    local answer = ask(question, wait)
    if wait.cancelled then
      open_waits[call] = nil
      chat.append_lines({ '> *withdrawn: Codex stopped waiting for an answer*' })
      return vim.NIL -- to a request the server cancelled: not read
    end
    if answer == nil then
      open_waits[call] = nil
      chat.append_lines({ '> *dismissed*' })
      return vim.NIL
    end
    chat.append_lines({ ('> → %s'):format(answer) })
    answers[str(question.id)] = { answers = { answer } }
  end
  open_waits[call] = nil
  return { answers = answers }
end

local WITHDRAWN = {
  timeout = 'Codex stopped waiting for an answer to its question (time limit); answering now has no effect.',
  cancelled = 'The turn ended, so its question was withdrawn; answering now has no effect.',
}

--- `codex/event` `questionWithdrawn`: give up the prompt of that call, if still open.
---@param event {callId: string, reason?: string}
function M.withdraw(event)
  local wait = open_waits[str(event.callId)]
  if not wait then
    return -- answered already, or asked in another Neovim
  end
  wait.cancel()
  vim.notify('codex_lsp: ' .. (WITHDRAWN[event.reason] or WITHDRAWN.timeout), vim.log.levels.WARN)
end

--- `codex/requestUserInput` request handler (see `lsp/codex_lsp.lua`).
---@param params table
---@return table|userdata
function M.request_handler(_, params)
  local ok, result = pcall(M.ask_all, params)
  if ok then
    return result
  end
  vim.notify('codex_lsp: asking failed: ' .. tostring(result), vim.log.levels.ERROR)
  return vim.NIL
end

return M
