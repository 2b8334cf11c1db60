--- The model's `request_user_input` questions, inline in the chat buffer (the server sends
--- `codex/requestUserInput` because `lsp/codex_lsp.lua` announces
--- `capabilities.experimental.codexUserInput = true`).
---
--- The questions are written into the chat with their options numbered; then each is
--- asked with `vim.ui.select` (the default one picks by the number key), whose last item
--- "Type an answer…" opens `vim.ui.input`. The answers go back as the server wants them
--- (`{answers = {[id] = {answers = {label or typed text}}}}`); dismissing a question
--- dismisses them all (`null`: the model hears the user did not answer).
local M = {}

local ui = require('codex_lsp.ui')

M.TYPE_ANSWER = 'Type an answer…'

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
---@return string?
local function ask(question)
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
    })
  if choice == nil then
    return nil
  end
  if choice.label ~= M.TYPE_ANSWER then
    return choice.label
  end
  local typed = ui.input({ prompt = prompt .. ' ' })
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
  local answers = {}
  for _, question in ipairs(questions) do
    local answer = ask(question)
    if answer == nil then
      chat.append_lines({ '> *dismissed*' })
      return vim.NIL
    end
    chat.append_lines({ ('> → %s'):format(answer) })
    answers[str(question.id)] = { answers = { answer } }
  end
  return { answers = answers }
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
