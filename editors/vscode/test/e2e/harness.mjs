// End-to-end harness: a real VS Code workbench (code-server) driven by Debian Chromium
// through playwright-core, with the packaged extension installed, the real `codex-lsp`
// server and the repository's scripted model server, all on 127.0.0.1.
//
// Facts this relies on: /work/shared/notes/vscode-e2e.md (code-server needs Node 24;
// the workbench selectors are VS Code internals, so code-server's version is pinned in
// .ci/setup-vscode.sh, which installs it under .e2e-cache/).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_ROOT = resolve(EXT_DIR, '..', '..');
export const RESULTS_DIR = join(EXT_DIR, 'test-results');
const CACHE = join(EXT_DIR, '.e2e-cache');
export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24 = join(CACHE, `node-${NODE24_VERSION}`, 'bin', 'node');
export const CODE_SERVER = join(
  CACHE,
  `code-server-${CODE_SERVER_VERSION}`,
  'node_modules',
  'code-server',
  'out',
  'node',
  'entry.js',
);
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const DEBUG = !!process.env.E2E_DEBUG;

/** The PATH of a machine where nothing was pip-installed: the system's folders only. */
export const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

/** A scrubbed PATH must really lack codex-lsp, and its python3 must not import codex_lsp. */
function assertNoServerOn(path) {
  const found = path.split(':').filter((d) => existsSync(join(d, 'codex-lsp')));
  if (found.length) throw new Error(`codex-lsp is on the scrubbed PATH (${found.join(', ')})`);
  const probe = spawnSync('python3', ['-c', 'import codex_lsp'], { env: { PATH: path }, encoding: 'utf8' });
  if (probe.error) throw new SkipScenario(`no python3 on ${path}`);
  if (probe.status === 0) throw new Error(`python3 on ${path} imports codex_lsp: the scenario would not test the bundle`);
}

/** Thrown by a scenario that cannot run against this server (reported as skipped). */
export class SkipScenario extends Error {}
const t0 = Date.now();
export function log(...args) {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args);
}

/** The interpreter with codex-lsp installed: $CODEX_LSP_PYTHON, the repo venv, else python3. */
export function findPython() {
  if (process.env.CODEX_LSP_PYTHON) return process.env.CODEX_LSP_PYTHON;
  const venv = join(REPO_ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/** The packaged extension: <name>-<version>.vsix from package.json. */
export function findVsix() {
  const pkg = JSON.parse(readFileSync(join(EXT_DIR, 'package.json'), 'utf8'));
  const vsix = join(EXT_DIR, `${pkg.name}-${pkg.version}.vsix`);
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run "npm run package" first`);
  return vsix;
}

/** What is missing for the e2e tests, or [] when all is there. */
export function missingPrerequisites() {
  const missing = [];
  if (!existsSync(NODE24)) missing.push(`Node ${NODE24_VERSION} (${NODE24})`);
  if (!existsSync(CODE_SERVER)) missing.push(`code-server ${CODE_SERVER_VERSION} (${CODE_SERVER})`);
  if (!existsSync(CHROMIUM)) missing.push(`Chromium (${CHROMIUM})`);
  if (!existsSync(join(EXT_DIR, 'node_modules', 'playwright-core'))) missing.push('npm deps (node_modules)');
  try {
    findVsix();
  } catch (e) {
    missing.push(e.message);
  }
  return missing;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function waitFor(predicate, what, timeoutMs, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePromise, reject) => {
    const tick = () => {
      let value;
      try {
        value = predicate();
      } catch (e) {
        value = undefined;
      }
      if (value) return resolvePromise(value);
      if (Date.now() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, intervalMs);
    };
    tick();
  });
}

function killGroup(child, name) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      resolvePromise();
    }, 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise();
    });
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolvePromise();
    }
    if (DEBUG) log(`stopping ${name}`);
  });
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  // 'off', not false: VS Code migrates false to 'off' by rewriting settings.json at startup,
  // and an extension host started during that rewrite can miss the codex.* settings.
  'extensions.autoUpdate': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'window.restoreWindows': 'none',
  'files.autoSave': 'off',
  'editor.lightbulb.enabled': 'on',
  'editor.minimap.enabled': false,
  'workbench.editor.enablePreview': false,
  'diffEditor.renderSideBySide': true,
  'diffEditor.useInlineViewWhenSpaceIsLimited': false,
};

/**
 * Everything for one scenario: temp workspace + CODEX_HOME, the scripted model
 * server, code-server with the .vsix installed, Chromium on the workbench.
 */
export class Workbench {
  constructor(name) {
    this.name = name;
    this.children = [];
  }

  /** @param {{files: Record<string,string>, turns: object[]}} options */
  /**
   * `scrubPath`: PATH has only the system folders (SYSTEM_PATH) and Node 24, so `codex-lsp`
   * is not on it and the extension must run the server bundled in the .vsix.
   */
  /** `defaultTurn`: what the model answers once `turns` are used up (else an HTTP 500). */
  async start({ files, turns, defaultTurn = undefined, apiKey = true, settings = {}, scrubPath = false, codexConfig = '' }) {
    this.apiKey = apiKey;
    this.codexConfig = codexConfig;
    this.scrubPath = scrubPath;
    this.extraSettings = settings;
    rmSync(join(RESULTS_DIR, `${this.name}-failure.png`), { force: true });
    const { chromium } = await import('playwright-core');
    this.dir = mkdtempSync(join(tmpdir(), `codex-vscode-e2e-${this.name}-`));
    this.workspace = join(this.dir, 'ws');
    mkdirSync(this.workspace);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(this.workspace, rel)), { recursive: true });
      writeFileSync(join(this.workspace, rel), text);
    }
    const python = findPython();
    await this.startModel(python, turns, defaultTurn);
    this.writeCodexHome();
    await this.startCodeServer(python);
    log(`launching ${CHROMIUM}`);
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
        '--gaia-url=http://127.0.0.1:9',
        '--google-apis-url=http://127.0.0.1:9',
        '--lso-url=http://127.0.0.1:9',
        '--component-updater=url-source=http://127.0.0.1:9',
      ],
    });
    this.context = await this.browser.newContext({ viewport: { width: 1440, height: 900 } });
    this.page = await this.context.newPage();
    this.page.setDefaultTimeout(30000);
    if (DEBUG) this.page.on('console', (m) => m.type() === 'error' && log(`[browser] ${m.text()}`));
    await this.page.goto(`${this.url}/?folder=${encodeURIComponent(this.workspace)}`);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    log('workbench up');
    return this;
  }

  async startModel(python, turns, defaultTurn) {
    const script = join(this.dir, 'model-script.json');
    const portFile = join(this.dir, 'model-port');
    writeFileSync(script, JSON.stringify(defaultTurn ? { turns, default: defaultTurn } : { turns }, null, 2));
    const child = spawn(python, ['-m', 'tests.support.model_server', '--port', '0', '--script', script, '--port-file', portFile], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.children.push(['model server', child]);
    this.modelLog = '';
    child.stdout.on('data', (d) => (this.modelLog += d));
    child.stderr.on('data', (d) => (this.modelLog += d));
    const port = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`model server exited: ${this.modelLog}`);
        const text = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : '';
        return /^\d+$/.test(text) ? Number(text) : undefined;
      },
      'the model server port file',
      20000,
    );
    this.modelUrl = `http://127.0.0.1:${port}`;
    log(`model server on ${this.modelUrl}`);
  }

  writeCodexHome() {
    this.codexHome = join(this.dir, 'codex-home');
    mkdirSync(this.codexHome);
    writeFileSync(
      join(this.codexHome, 'config.toml'),
      [
        'model = "test-model"',
        'model_provider = "scripted"',
        '',
        '[model_providers.scripted]',
        'name = "Scripted"',
        `base_url = "${this.modelUrl}/v1"`,
        'env_key = "CODEX_TEST_KEY"',
        'wire_api = "responses"',
        'request_max_retries = 1',
        'stream_max_retries = 1',
        '',
        this.codexConfig ?? '',
      ].join('\n'),
    );
  }

  async startCodeServer(python) {
    const home = join(this.dir, 'home');
    const userData = join(this.dir, 'user-data');
    const extensions = join(this.dir, 'extensions');
    for (const d of [home, userData, join(userData, 'User'), extensions, join(this.dir, 'tmp')]) {
      mkdirSync(d, { recursive: true });
    }
    this.userSettings = {
      ...USER_SETTINGS,
      ...(DEBUG ? { 'codex.trace.server': 'verbose' } : {}),
      // E2E_SERVER_PATH: run the scenarios against another server executable.
      ...(process.env.E2E_SERVER_PATH && !this.scrubPath ? { 'codex.server.path': process.env.E2E_SERVER_PATH } : {}),
      ...this.extraSettings,
    };
    writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(this.userSettings, null, 2));
    const venvBin = dirname(python.includes('/') ? python : '/usr/bin/python3');
    const path = this.scrubPath ? [dirname(NODE24), SYSTEM_PATH].join(':') : [venvBin, dirname(NODE24), process.env.PATH].join(':');
    if (this.scrubPath) assertNoServerOn(path);
    this.env = {
      PATH: path,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      TMPDIR: join(this.dir, 'tmp'),
      LANG: 'C.UTF-8',
      EXTENSIONS_GALLERY: '{}',
      // Keep this environment for the extension host: otherwise the server resolves a login
      // shell's environment (from the empty HOME), whose PATH lacks the venv with codex-lsp.
      VSCODE_CLI: '1',
      CODEX_HOME: this.codexHome,
      // The server starts through the daemon (codex.server.daemon, on by default): its
      // zygote ends soon after the scenario, also when a failed run's folder is kept.
      CODEX_LSP_DAEMON_IDLE: '30',
    };
    if (this.apiKey) this.env.CODEX_TEST_KEY = 'sk-test';
    // A checkout run with PYTHONPATH=<checkout> (a worktree beside the venv's install): the
    // server imports that checkout's codex_lsp, as the pytest e2e servers do.
    if (process.env.PYTHONPATH && !this.scrubPath) this.env.PYTHONPATH = process.env.PYTHONPATH;
    const base = [
      CODE_SERVER,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--disable-proxy',
      '--ignore-last-opened',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extensions,
    ];
    const vsix = findVsix();
    const install = spawnSync(NODE24, [...base, '--install-extension', vsix, '--force'], {
      env: this.env,
      encoding: 'utf8',
      timeout: 60000,
    });
    if (install.status !== 0) {
      throw new Error(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
    }
    log(`installed ${vsix.split('/').pop()}`);
    this.userData = userData;
    const child = spawn(NODE24, [...base, '--bind-addr', '127.0.0.1:0', this.workspace], {
      env: this.env,
      cwd: this.workspace,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.children.push(['code-server', child]);
    this.codeServerLog = '';
    child.stdout.on('data', (d) => (this.codeServerLog += d));
    child.stderr.on('data', (d) => (this.codeServerLog += d));
    const port = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`code-server exited:\n${this.codeServerLog}`);
        return /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.codeServerLog)?.[1];
      },
      'code-server to listen',
      60000,
    );
    this.url = `http://127.0.0.1:${port}`;
    log(`code-server ${CODE_SERVER_VERSION} on ${this.url}`);
  }

  // ---- driving the workbench -----------------------------------------------------------

  /** Wait for the extension's status bar item to show the model (server up and ready). */
  async waitForServer(text = 'Codex: test-model') {
    await this.page.locator('.statusbar-item', { hasText: text }).first().waitFor({ timeout: 60000 });
    log(`status bar shows "${text}"`);
  }

  /**
   * Set a string setting in the Settings editor, as a user would (`value` '' clears it),
   * then wait for the status bar to show `expect`.
   */
  async setSetting(id, value, expect) {
    const editor = this.page.locator('.settings-editor');
    if (!(await editor.isVisible())) {
      await this.runCommand('Preferences: Open User Settings');
      await editor.waitFor();
    }
    await this.page.locator('.settings-editor .suggest-input-container').click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.type(id);
    const input = this.page.locator(`.settings-editor .settings-tree-container .setting-item-control input`).first();
    await this.page.locator('.settings-editor .settings-count-widget', { hasText: '1 Setting Found' }).waitFor();
    await input.waitFor();
    await input.fill(value);
    await input.press('Tab');
    log(`setting ${id} = "${value}"`);
    await this.page.locator('.statusbar-item', { hasText: expect }).first().waitFor();
  }

  /** Close the Settings editor (a modal over the workbench in this VS Code). */
  async closeSettings() {
    const close = this.page.locator('[aria-label^="Close Modal Editor"]').first();
    if (await close.isVisible()) await close.click();
    else await this.page.keyboard.press('Escape');
    await this.page.locator('.settings-editor').waitFor({ state: 'hidden' });
    log('closed the Settings editor');
  }

  async openFile(name) {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(name);
    await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor();
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tab.active', { hasText: name }).waitFor();
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
    await this.focusEditor();
    log(`opened ${name}`);
  }

  async focusEditor() {
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  }

  /** Select whole lines `from`..`to` (1-based, inclusive) with the keyboard. */
  async selectLines(from, to) {
    await this.focusEditor();
    await this.page.keyboard.press('Control+Home');
    for (let i = 1; i < from; i++) await this.page.keyboard.press('ArrowDown');
    await this.page.keyboard.press('Home');
    for (let i = from; i < to; i++) await this.page.keyboard.press('Shift+ArrowDown');
    await this.page.keyboard.press('Shift+End');
  }

  /** F1, type the command title, click the row with exactly that title. */
  async runCommand(title) {
    const input = this.page.locator('.quick-input-widget input');
    for (let attempt = 0; ; attempt++) {
      await this.page.keyboard.press('F1');
      try {
        await input.waitFor({ timeout: 5000 });
        break;
      } catch (err) {
        if (attempt >= 2) throw err;
      }
    }
    await input.fill(`>${title}`);
    const label = this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) });
    const row = this.page.locator('.quick-input-widget .monaco-list-row').filter({ has: label }).first();
    await row.click();
    log(`ran "${title}"`);
  }

  /** Answer the input box (showInputBox) titled `title`. */
  async answerInputBox(title, text) {
    await this.page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor();
    const input = this.page.locator('.quick-input-widget input');
    await input.fill(text);
    await input.press('Enter');
    log(`input box "${title}": "${text}"`);
  }

  /** The notification toast whose message contains `text`. */
  toast(text) {
    return this.page.locator('.notifications-toasts .notification-toast', { hasText: text });
  }

  /** Click `button` on the notification that contains `text` and has that button. */
  async clickToastButton(text, button) {
    const buttonLocator = this.page.getByRole('button', { name: button, exact: true });
    const toast = this.toast(text).filter({ has: buttonLocator }).first();
    await toast.waitFor();
    await toast.getByRole('button', { name: button, exact: true }).click();
    log(`clicked "${button}" on "${text}"`);
  }

  /** Wait for the diff editor showing the proposal for `file`. */
  async waitForDiff(file) {
    await this.page.locator('.tab.active', { hasText: `${file} (Codex: proposed edit)` }).waitFor();
    const diff = this.page.locator('.monaco-diff-editor').first();
    await diff.waitFor();
    // Both sides rendered, with the change highlighted.
    await diff.locator('.editor.modified .view-lines').waitFor();
    await diff.locator('.line-insert, .char-insert').first().waitFor();
    log(`diff editor open for ${file}`);
    return diff;
  }

  /** `clip`: only this part of the page ({x, y, width, height}). */
  async screenshot(name, clip = undefined) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const path = join(RESULTS_DIR, name);
    await this.page.screenshot({ path, clip });
    log(`screenshot ${path}`);
    return path;
  }

  /** Text of the active editor's lines as rendered (for checks on unsaved buffers). */
  async editorText() {
    return this.page
      .locator('.editor-instance .monaco-editor .view-lines')
      .first()
      .evaluate((el) => [...el.querySelectorAll('.view-line')].map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n'));
  }

  exists(rel) {
    return existsSync(join(this.workspace, rel));
  }

  read(rel) {
    return readFileSync(join(this.workspace, rel), 'utf8');
  }

  async waitForFile(rel, expected, timeoutMs = 15000) {
    await waitFor(() => this.read(rel) === expected, `${rel} on disk to be updated`, timeoutMs);
  }

  /** Requests the scripted model server received. */
  async modelRequests() {
    const res = await fetch(`${this.modelUrl}/_requests`);
    const body = await res.json();
    return Array.isArray(body) ? body : body.requests;
  }

  /**
   * Wait until the model has received `count` requests. The request after an applied edit
   * comes once the editor's diagnostics have settled (a bounded wait, see `[code_intel]`),
   * which may be after the file is saved.
   */
  async waitForModelRequests(count, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    let seen = (await this.modelRequests()).length;
    while (seen < count) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} model requests (seen ${seen})`);
      await new Promise((r) => setTimeout(r, 200));
      seen = (await this.modelRequests()).length;
    }
  }

  /** Extension host logs: {path: text} for "Codex LSP.log" and remoteexthost.log. */
  logFiles() {
    const out = {};
    const walk = (dir) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/Codex LSP\.log$|exthost\.log$/.test(name)) out[p] = readFileSync(p, 'utf8');
      }
    };
    try {
      walk(join(this.userData, 'logs'));
    } catch {}
    return out;
  }

  /** The "Codex LSP" log channel's text. */
  codexLog() {
    return Object.entries(this.logFiles()).find(([p]) => p.endsWith('Codex LSP.log'))?.[1] ?? '';
  }

  /** Wait until the "Codex LSP" log matches `re` at least `count` times. */
  async waitForLog(re, count = 1, timeoutMs = 30000) {
    const global = new RegExp(re.source, 'g');
    await waitFor(() => (this.codexLog().match(global) ?? []).length >= count, `${count} × ${re} in the log`, timeoutMs, 200);
  }

  extensionLog() {
    return Object.entries(this.logFiles())
      .map(([p, text]) => `==> ${p}\n${text.slice(-6000)}`)
      .join('\n');
  }

  /** The extension logged no error, and VS Code no duplicate command registration. */
  assertCleanLogs() {
    const bad = [];
    for (const [p, text] of Object.entries(this.logFiles())) {
      for (const line of text.split('\n')) {
        if (/already exists/i.test(line) || (p.endsWith('Codex LSP.log') && /\[error\]/.test(line))) bad.push(line);
      }
    }
    if (bad.length) throw new Error(`errors in the extension logs:\n${bad.join('\n')}`);
  }

  async stop({ failed = false } = {}) {
    if (failed && this.page) {
      try {
        await this.screenshot(`${this.name}-failure.png`);
      } catch {}
    }
    if (failed) {
      console.log(`---- extension logs (${this.name}) ----\n${this.extensionLog()}`);
      console.log(`---- code-server log ----\n${(this.codeServerLog ?? '').slice(-4000)}`);
      console.log(`---- model server log ----\n${(this.modelLog ?? '').slice(-2000)}`);
    }
    try {
      await this.browser?.close();
    } catch {}
    for (const [name, child] of this.children.reverse()) await killGroup(child, name);
    if (this.dir) stopDaemons(this.dir);
    // A server may still be writing (its .pyc files) while it exits: retry, as rm -rf would.
    if (this.dir && !DEBUG && !failed) rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    else if (this.dir) log(`kept ${this.dir}`);
  }
}

/**
 * The server's daemon (zygote, MCP broker) outlives the workbench by design: stop the ones
 * this scenario started (their environment names its folder) before the folder goes.
 */
function stopDaemons(dir) {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (Number(pid) === process.pid) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(dir)) process.kill(Number(pid), 'SIGKILL');
    } catch {}
  }
}
