--- `:checkhealth codex_lsp`: Neovim version, the server on PATH, its version,
--- and `codex-lsp check` (configuration + whether the model endpoint answers).
local M = {}

local health = vim.health

--- Run a command with a timeout; returns exit code and combined output.
---@param cmd string[]
---@param timeout_ms integer
---@return integer? code nil on timeout or when it could not start
---@return string output
local function run(cmd, timeout_ms)
  local ok, proc = pcall(vim.system, cmd, { text = true })
  if not ok then
    return nil, tostring(proc)
  end
  local result = proc:wait(timeout_ms)
  local output = vim.trim((result.stdout or '') .. '\n' .. (result.stderr or ''))
  if result.signal and result.signal ~= 0 and result.code ~= 0 then
    return nil, output ~= '' and output or ('timed out after %d ms'):format(timeout_ms)
  end
  return result.code, output
end

--- The server command from the resolved `vim.lsp.config`.
---@return string[]?
local function server_cmd()
  local ok, config = pcall(function()
    return vim.lsp.config[require('codex_lsp').name]
  end)
  if ok and type(config) == 'table' then
    if type(config.cmd) == 'function' then
      return nil
    end
    if type(config.cmd) == 'table' and config.cmd[1] then
      return config.cmd
    end
  end
  return { 'codex-lsp' }
end

function M.check()
  health.start('codex_lsp: Neovim')
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim >= 0.11 is required (vim.lsp.config / vim.lsp.enable)')
  end
  local rtp_config = vim.api.nvim_get_runtime_file('lsp/codex_lsp.lua', true)
  if #rtp_config > 0 then
    health.ok('server config: ' .. rtp_config[1])
  else
    health.error('lsp/codex_lsp.lua not on runtimepath', 'Add editors/nvim to runtimepath.')
  end

  health.start('codex_lsp: server')
  local cmd = server_cmd()
  if not cmd then
    health.info('cmd is a function (e.g. TCP): skipping the executable checks')
    return
  end
  local exe = cmd[1]
  local path = vim.fn.exepath(exe)
  if path == '' then
    health.error(
      ('`%s` not found on PATH'):format(exe),
      { 'Install it: pipx install codex-lsp (or pip install -e . in a checkout)',
        "Or point cmd at it: vim.lsp.config('codex_lsp', { cmd = { '/path/to/codex-lsp' } })" }
    )
    return
  end
  health.ok(('`%s` found: %s'):format(exe, path))

  local code, output = run({ path, '--version' }, 15000)
  if code == 0 then
    health.ok('version: ' .. output)
  else
    health.error('`' .. exe .. ' --version` failed: ' .. output)
  end

  code, output = run({ path, 'check' }, 30000)
  local lines = vim.split(output, '\n', { plain = true })
  if code == 0 then
    local last = lines[#lines] or ''
    health.ok('`' .. exe .. ' check`: ' .. last)
  else
    local errors = vim.tbl_filter(function(line)
      return line:match('^error') ~= nil
    end, lines)
    health.error(
      '`' .. exe .. ' check` failed: ' .. (errors[1] or output),
      { 'Check $CODEX_HOME/config.toml (default ~/.codex/config.toml) and the API key variable.' }
    )
  end
  for _, line in ipairs(lines) do
    if line:match('^warning') then
      health.warn(line)
    elseif line:match('^auth: ') then
      if line:match('not signed in') then
        health.warn(line, { 'Sign in with :CodexLogin (or :CodexLogin device on a remote machine)' })
      else
        health.ok(line)
      end
    end
  end

  health.start('codex_lsp: clients')
  local clients = vim.lsp.get_clients({ name = require('codex_lsp').name })
  if #clients == 0 then
    health.info("no codex_lsp client running (vim.lsp.enable('codex_lsp'), then open a file)")
  end
  for _, client in ipairs(clients) do
    local approval = vim.tbl_get(client.config, 'capabilities', 'experimental', 'codexApproval')
    health.info(
      ('client %d: root %s, approval UI %s'):format(
        client.id,
        client.root_dir or '(none)',
        approval and 'codex/approveEdit (diff tab)' or 'generic prompts'
      )
    )
  end
end

return M
