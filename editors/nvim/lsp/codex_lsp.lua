---@brief
---
--- codex-lsp runs a Codex-style coding agent as a language server: code actions
--- ("Codex: Edit selection…", "Codex: Explain", "Codex: Add docstring",
--- "Codex: Write tests", "Codex: Fix: …", "Codex: Review this file", review
--- findings' "Fix" / "Dismiss finding") and `workspace/executeCommand`
--- commands (`codex.ask`, `codex.runTask`, `codex.cancel`, …). Every edit is
--- shown for approval before it is applied.
---
--- Install the server (Python ≥ 3.11):
--- ```sh
--- pipx install codex-lsp   # or: pip install -e . from a checkout
--- ```
--- It reads `$CODEX_HOME/config.toml` (default `~/.codex/config.toml`), the
--- same file as the Codex CLI. `init_options` take the same keys and override it:
--- ```lua
--- vim.lsp.config('codex_lsp', { init_options = { model = 'gpt-5.5', approval_policy = 'on-request' } })
--- vim.lsp.enable('codex_lsp')
--- ```
---
--- The server attaches to every filetype; the workspace root is the nearest
--- folder with `AGENTS.md` or `.git`.
---
--- The capability `experimental.codexApproval` makes the server ask through
--- `codex/approveEdit` / `codex/approveCommand`; the handlers below show a real
--- diff (`editors/nvim/lua/codex_lsp/approval.lua`). Without that plugin code on
--- 'runtimepath' they reject every edit, so keep `editors/nvim` on the
--- runtimepath (lazy.nvim does this) or drop the capability.
---
--- `experimental.codexIntel` lets the agent ask Neovim's other language servers
--- (definitions, references, hover, symbols, diagnostics after each edit) through
--- `codex/intel` (`editors/nvim/lua/codex_lsp/intel.lua`).
---
--- `experimental.codexUserInput` brings the model's `request_user_input` questions
--- inline into the chat buffer (`codex/requestUserInput`,
--- `editors/nvim/lua/codex_lsp/questions.lua`).

--- Calls `module.fn(...)` from the plugin, or `fallback` (a value, or a function
--- called with the same arguments) when the plugin's Lua modules are not on
--- 'runtimepath'.
local function plugin(module, fn, fallback)
  return function(...)
    local ok, mod = pcall(require, module)
    if not ok then
      vim.notify_once(
        'codex_lsp: ' .. module .. ' not found on runtimepath; add editors/nvim to it',
        vim.log.levels.WARN
      )
      if type(fallback) == 'function' then
        return fallback(...)
      end
      return fallback
    end
    return mod[fn](...)
  end
end

--- Without the plugin: show a command's answer (its text, the changed files, or
--- the error) with vim.notify, so it is not dropped silently.
---@param command string
---@param result table?
---@param err lsp.ResponseError?
local function report(command, result, err)
  local levels = vim.log.levels
  if err then
    vim.notify(
      ('Codex: %s failed: %s'):format(command, err.message or vim.inspect(err)),
      levels.ERROR
    )
    return
  end
  if type(result) ~= 'table' then
    return
  end
  local text = type(result.text) == 'string' and result.text or ''
  if result.status == 'failed' then
    vim.notify('Codex: ' .. tostring(result.error or 'failed'), levels.ERROR)
  elseif result.status == 'applied' then
    local files = type(result.changedFiles) == 'table' and result.changedFiles or {}
    vim.notify('Codex: applied ' .. table.concat(files, ', '), levels.INFO)
    vim.cmd.checktime()
  elseif result.status == 'rejected' then
    -- The approval handlers above reject every edit without the plugin.
    vim.notify(
      "Codex: edit rejected (reviewing edits needs editors/nvim on 'runtimepath')",
      levels.WARN
    )
  elseif text ~= '' then
    vim.notify('Codex: ' .. text, levels.INFO)
  elseif result.status then
    vim.notify('Codex: ' .. tostring(result.status), levels.INFO)
  end
end

--- Without the plugin, a code action's command goes to the server unchanged; its
--- answer is reported (see `report`).
---@param command lsp.Command
---@param ctx table
local function forward(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if client then
    client:request('workspace/executeCommand', {
      command = command.command,
      arguments = command.arguments,
    }, function(err, result)
      report(command.command, result, err)
    end, ctx.bufnr)
  end
end

---@type vim.lsp.Config
return {
  cmd = { 'codex-lsp' },
  -- One warm server per user: the first window starts the daemon, later ones attach to it
  -- in milliseconds (each still its own process); unreachable: a private server starts.
  -- `setup({ daemon = false })` turns it off.
  cmd_env = { CODEX_LSP_DAEMON = '1' },
  root_markers = { 'AGENTS.md', '.git' },
  capabilities = {
    experimental = { codexApproval = true, codexIntel = true, codexUserInput = true },
    window = { workDoneProgress = true, showDocument = { support = true } },
  },
  handlers = {
    ['codex/approveEdit'] = plugin(
      'codex_lsp.approval',
      'approve_edit_handler',
      { decision = 'reject' }
    ),
    ['codex/approveCommand'] = plugin(
      'codex_lsp.approval',
      'approve_command_handler',
      { decision = 'reject' }
    ),
    ['codex/event'] = plugin('codex_lsp.chat', 'event_handler', nil),
    -- Neovim's own handler, plus `save_after_apply` (setup option) with the plugin.
    ['workspace/applyEdit'] = plugin('codex_lsp.save', 'apply_edit_handler', function(...)
      return vim.lsp.handlers['workspace/applyEdit'](...)
    end),
    ['codex/intel'] = plugin('codex_lsp.intel', 'handler', function()
      return nil, { code = -32601, message = 'codex_lsp.intel not on runtimepath' }
    end),
    -- Without the plugin: an error, so the server asks with window/showMessageRequest.
    ['codex/requestUserInput'] = plugin('codex_lsp.questions', 'request_handler', function()
      return nil, { code = -32601, message = 'codex_lsp.questions not on runtimepath' }
    end),
  },
  commands = {
    ['codex.editSelection'] = plugin('codex_lsp.commands', 'code_action_command', forward),
    ['codex.explain'] = plugin('codex_lsp.commands', 'code_action_command', forward),
    ['codex.addDocstring'] = plugin('codex_lsp.commands', 'code_action_command', forward),
    ['codex.writeTests'] = plugin('codex_lsp.commands', 'code_action_command', forward),
    ['codex.fixDiagnostic'] = plugin('codex_lsp.commands', 'code_action_command', forward),
    ['codex.review'] = plugin('codex_lsp.commands', 'code_action_command', forward),
    ['codex.clearFindings'] = plugin('codex_lsp.commands', 'code_action_command', forward),
  },
}
