import * as assert from 'assert';

import {
  CodexSettings,
  configurationChange,
  readSettings,
  resolveServerCommand,
  toInitializationOptions,
  which,
} from '../../src/settings';

const defaults: CodexSettings = {
  serverPath: '',
  serverPython: '',
  serverEnv: {},
  model: '',
  approvalPolicy: '',
  sandboxMode: '',
  profile: '',
};

function settings(values: Record<string, unknown>): CodexSettings {
  return readSettings((key) => values[key]);
}

describe('settings -> initializationOptions', () => {
  it('maps every setting to its config.toml key', () => {
    const s = settings({
      model: 'gpt-5.5',
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
      profile: 'fast',
    });
    assert.deepStrictEqual(toInitializationOptions(s), {
      model: 'gpt-5.5',
      approval_policy: 'on-request',
      sandbox_mode: 'workspace-write',
      profile: 'fast',
    });
  });

  it('omits unset, blank and mistyped settings', () => {
    assert.deepStrictEqual(toInitializationOptions(settings({})), {});
    assert.deepStrictEqual(
      toInitializationOptions(settings({ model: '  ', approvalPolicy: '', sandboxMode: 7, profile: null })),
      {},
    );
    assert.deepStrictEqual(toInitializationOptions(settings({ model: ' o4-mini ' })), { model: 'o4-mini' });
  });

  it('reads the server settings with safe defaults', () => {
    assert.deepStrictEqual(settings({}), defaults);
    assert.deepStrictEqual(
      settings({ 'server.path': '/opt/codex-lsp', 'server.python': '/usr/bin/python3', 'server.env': { A: '1', B: 2 } }),
      { ...defaults, serverPath: '/opt/codex-lsp', serverPython: '/usr/bin/python3', serverEnv: { A: '1' } },
    );
  });
});

describe('settings changes', () => {
  it('sends changed settings', () => {
    assert.deepStrictEqual(configurationChange(defaults, { ...defaults, model: 'm2' }), {
      kind: 'notify',
      settings: { model: 'm2' },
    });
    assert.deepStrictEqual(
      configurationChange({ ...defaults, model: 'm1' }, { ...defaults, model: 'm1', profile: 'p' }),
      { kind: 'notify', settings: { model: 'm1', profile: 'p' } },
    );
  });

  it('ignores changes that change nothing', () => {
    assert.deepStrictEqual(configurationChange(defaults, { ...defaults }), { kind: 'none' });
  });

  it('restarts when a setting is cleared or the server command changes', () => {
    assert.deepStrictEqual(configurationChange({ ...defaults, model: 'm1' }, defaults), {
      kind: 'restart',
      reason: 'cleared model',
    });
    assert.strictEqual(configurationChange(defaults, { ...defaults, serverPath: '/x' }).kind, 'restart');
    assert.strictEqual(configurationChange(defaults, { ...defaults, serverEnv: { A: '1' } }).kind, 'restart');
  });
});

describe('server command', () => {
  const none = { which: () => undefined };

  it('uses codex.server.path first', () => {
    assert.deepStrictEqual(
      resolveServerCommand({ ...defaults, serverPath: '/opt/bin/codex-lsp' }, { which: () => '/usr/bin/codex-lsp' }),
      { command: '/opt/bin/codex-lsp', args: [], source: 'setting' },
    );
  });

  it('then codex-lsp on PATH', () => {
    const lookup = { which: (n: string) => (n === 'codex-lsp' ? '/venv/bin/codex-lsp' : undefined) };
    assert.deepStrictEqual(resolveServerCommand(defaults, lookup), {
      command: '/venv/bin/codex-lsp',
      args: [],
      source: 'path',
    });
  });

  it('then python -m codex_lsp: setting, Python extension, python3', () => {
    assert.deepStrictEqual(
      resolveServerCommand({ ...defaults, serverPython: '/py/bin/python' }, { ...none, pythonFromExtension: '/ext/python' }),
      { command: '/py/bin/python', args: ['-m', 'codex_lsp'], source: 'python' },
    );
    assert.deepStrictEqual(resolveServerCommand(defaults, { ...none, pythonFromExtension: '/ext/python' }), {
      command: '/ext/python',
      args: ['-m', 'codex_lsp'],
      source: 'python',
    });
    assert.deepStrictEqual(resolveServerCommand(defaults, none), {
      command: 'python3',
      args: ['-m', 'codex_lsp'],
      source: 'python',
    });
  });

  it('finds executables on PATH', () => {
    const exists = new Set(['/b/codex-lsp', 'C:\\py\\codex-lsp.exe']);
    assert.strictEqual(which('codex-lsp', '/a::/b', (f) => exists.has(f), 'linux'), '/b/codex-lsp');
    assert.strictEqual(which('codex-lsp', '/a', (f) => exists.has(f), 'linux'), undefined);
    assert.strictEqual(which('codex-lsp', undefined, () => true, 'linux'), undefined);
  });
});
