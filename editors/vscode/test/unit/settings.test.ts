import * as assert from 'assert';

import {
  BundledServer,
  bundledPythonProblem,
  CodexSettings,
  configurationChange,
  parseBundledManifest,
  parsePythonVersion,
  readSettings,
  resolveServerCommand,
  serverEnvironment,
  toInitializationOptions,
  which,
} from '../../src/settings';

const defaults: CodexSettings = {
  serverPath: '',
  serverPython: '',
  serverEnv: {},
  model: '',
  reasoningEffort: '',
  approvalPolicy: '',
  sandboxMode: '',
  profile: '',
  inlineCompletion: false,
  daemon: true,
};

function settings(values: Record<string, unknown>): CodexSettings {
  return readSettings((key) => values[key]);
}

describe('settings -> initializationOptions', () => {
  it('maps every setting to its config.toml key', () => {
    const s = settings({
      model: 'gpt-5.5',
      reasoningEffort: 'high',
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
      profile: 'fast',
    });
    assert.deepStrictEqual(toInitializationOptions(s), {
      model: 'gpt-5.5',
      model_reasoning_effort: 'high',
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

  it('turns inline completions on only when the setting is true', () => {
    assert.deepStrictEqual(toInitializationOptions(settings({ 'inlineCompletion.enabled': true })), {
      inline_completion: { enabled: true },
    });
    // false (the default) or a mistyped value leaves it to config.toml
    assert.deepStrictEqual(toInitializationOptions(settings({ 'inlineCompletion.enabled': false })), {});
    assert.deepStrictEqual(toInitializationOptions(settings({ 'inlineCompletion.enabled': 'yes' })), {});
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

  it('restarts when inline completions are turned on or off (initialize advertises them)', () => {
    assert.deepStrictEqual(configurationChange(defaults, { ...defaults, inlineCompletion: true }), {
      kind: 'restart',
      reason: 'inline completions turned on',
    });
    const on = { ...defaults, inlineCompletion: true };
    assert.deepStrictEqual(configurationChange(on, { ...on }), { kind: 'none' });
    assert.deepStrictEqual(configurationChange(on, { ...on, model: 'm' }), {
      kind: 'notify',
      settings: { model: 'm', inline_completion: { enabled: true } },
    });
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

describe('bundled server', () => {
  const bundled: BundledServer = { launcher: '/ext/bundled/tool/launch.py', pythons: ['3.11', '3.12', '3.13'], version: '0.1.0' };
  const none = { which: () => undefined, bundled };

  it('runs the bundled server with the chosen interpreter, isolated (-I -S)', () => {
    const python3 = { which: (n: string) => (n === 'python3' ? '/usr/bin/python3' : undefined), bundled };
    assert.deepStrictEqual(resolveServerCommand(defaults, python3), {
      command: '/usr/bin/python3',
      args: ['-I', '-S', '/ext/bundled/tool/launch.py'],
      source: 'bundled',
    });
    assert.deepStrictEqual(resolveServerCommand(defaults, { ...none, pythonFromExtension: '/venv/bin/python' }).command, '/venv/bin/python');
    assert.deepStrictEqual(
      resolveServerCommand({ ...defaults, serverPython: '/py/python' }, { ...none, pythonFromExtension: '/venv/bin/python' }).command,
      '/py/python',
    );
    assert.deepStrictEqual(resolveServerCommand(defaults, none).command, 'python3');
  });

  it('is overridden by codex.server.path and by codex-lsp on PATH', () => {
    assert.strictEqual(resolveServerCommand({ ...defaults, serverPath: '/opt/codex-lsp' }, none).source, 'setting');
    const onPath = { which: (n: string) => (n === 'codex-lsp' ? '/venv/bin/codex-lsp' : undefined), bundled };
    assert.deepStrictEqual(resolveServerCommand(defaults, onPath), { command: '/venv/bin/codex-lsp', args: [], source: 'path' });
  });

  it('checks the interpreter: missing, too old, no binaries, fine', () => {
    assert.match(bundledPythonProblem('python3', undefined, bundled)!, /no Python found .*"python3" did not run.*Select an interpreter/);
    assert.match(
      bundledPythonProblem('/usr/bin/python3', '3.9', bundled)!,
      /needs Python ≥ 3\.11; "\/usr\/bin\/python3" is Python 3\.9\. Select an interpreter/,
    );
    assert.match(bundledPythonProblem('/usr/bin/python3', '3.10', bundled)!, /is Python 3\.10/);
    assert.match(bundledPythonProblem('/py', '3.15', bundled)!, /carries binaries for Python 3\.11, 3\.12, 3\.13; "\/py" is Python 3\.15/);
    assert.strictEqual(bundledPythonProblem('/py', '3.11', bundled), undefined);
    assert.strictEqual(bundledPythonProblem('/py', '3.13', bundled), undefined);
  });

  it('parses the version probe output', () => {
    assert.strictEqual(parsePythonVersion('3.12\n'), '3.12');
    assert.strictEqual(parsePythonVersion('2.7'), '2.7');
    assert.strictEqual(parsePythonVersion(''), undefined);
    assert.strictEqual(parsePythonVersion('Python was not found; run without arguments to install'), undefined);
  });

  it('reads bundled/manifest.json, and only a well-formed one', () => {
    const text = JSON.stringify({ codexLsp: '0.1.0', pythons: ['3.11', '3.12'], target: 'linux-x64' });
    assert.deepStrictEqual(parseBundledManifest(text, '/ext'), {
      launcher: '/ext/bundled/tool/launch.py',
      pythons: ['3.11', '3.12'],
      version: '0.1.0',
    });
    assert.strictEqual(parseBundledManifest(undefined, '/ext'), undefined);
    assert.strictEqual(parseBundledManifest('{not json', '/ext'), undefined);
    assert.strictEqual(parseBundledManifest('null', '/ext'), undefined);
    assert.strictEqual(parseBundledManifest(JSON.stringify({ codexLsp: '0.1.0', pythons: [] }), '/ext'), undefined);
    assert.strictEqual(parseBundledManifest(JSON.stringify({ codexLsp: '0.1.0', pythons: ['three'] }), '/ext'), undefined);
    assert.strictEqual(parseBundledManifest(JSON.stringify({ pythons: ['3.11'] }), '/ext'), undefined);
  });

  it('starts through the daemon unless codex.server.daemon is off; codex.server.env wins', () => {
    assert.equal(readSettings(() => undefined).daemon, true);
    assert.equal(readSettings((k) => (k === 'server.daemon' ? false : undefined)).daemon, false);
    assert.equal(serverEnvironment({ PATH: '/bin' }, defaults).CODEX_LSP_DAEMON, '1');
    assert.equal(serverEnvironment({}, { ...defaults, daemon: false }).CODEX_LSP_DAEMON, '0');
    assert.equal(serverEnvironment({}, { ...defaults, serverEnv: { CODEX_LSP_DAEMON: '0' } }).CODEX_LSP_DAEMON, '0');
    assert.equal(configurationChange(defaults, { ...defaults, daemon: false }).kind, 'restart');
  });
});
