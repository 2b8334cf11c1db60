/**
 * The extension's settings, typed, and what they turn into: the server's
 * `initializationOptions` (the config.toml key names) and the command that starts it.
 *
 * Pure: no `vscode` import, so the mapping is unit-tested in plain Node. The
 * caller passes a `get(key)` reading `codex.*` from the workspace configuration.
 */

import * as path from 'path';

import { Settings } from './constants';

export interface CodexSettings {
  /** Path of the `codex-lsp` executable; empty: find it. */
  serverPath: string;
  /** Python for `python -m codex_lsp`; empty: the Python extension's, else `python3`. */
  serverPython: string;
  /** Extra environment variables for the server process. */
  serverEnv: Record<string, string>;
  model: string;
  reasoningEffort: string;
  approvalPolicy: string;
  sandboxMode: string;
  profile: string;
  /** `codex.inlineCompletion.enabled`: true turns ghost text on; false leaves it to config.toml. */
  inlineCompletion: boolean;
  /** `codex.server.daemon`: start through the per-user daemon (later windows attach warm). */
  daemon: boolean;
}

/** `initializationOptions` / `workspace/didChangeConfiguration` settings, config.toml names. */
export interface InitializationOptions {
  model?: string;
  model_reasoning_effort?: string;
  approval_policy?: string;
  sandbox_mode?: string;
  profile?: string;
  /** `[inline_completion]`: only `enabled`, and only when the setting turns it on. */
  inline_completion?: { enabled: boolean };
}

export type SettingGetter = (key: string) => unknown;

function str(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function env(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'string') {
        out[k] = v;
      }
    }
  }
  return out;
}

/** Read the `codex.*` settings; anything missing or of the wrong type is "unset". */
export function readSettings(get: SettingGetter): CodexSettings {
  return {
    serverPath: str(get(Settings.serverPath)),
    serverPython: str(get(Settings.serverPython)),
    serverEnv: env(get(Settings.serverEnv)),
    model: str(get(Settings.model)),
    reasoningEffort: str(get(Settings.reasoningEffort)),
    approvalPolicy: str(get(Settings.approvalPolicy)),
    sandboxMode: str(get(Settings.sandboxMode)),
    profile: str(get(Settings.profile)),
    inlineCompletion: get(Settings.inlineCompletion) === true,
    daemon: get(Settings.daemon) !== false,
  };
}

/** The settings the server understands, under config.toml key names; unset ones omitted. */
export function toInitializationOptions(s: CodexSettings): InitializationOptions {
  const options: InitializationOptions = {};
  if (s.model) options.model = s.model;
  if (s.reasoningEffort) options.model_reasoning_effort = s.reasoningEffort;
  if (s.approvalPolicy) options.approval_policy = s.approvalPolicy;
  if (s.sandboxMode) options.sandbox_mode = s.sandboxMode;
  if (s.profile) options.profile = s.profile;
  if (s.inlineCompletion) options.inline_completion = { enabled: true };
  return options;
}

/** What to do about a settings change. */
export type ConfigurationChange =
  | { kind: 'none' }
  /** Send `workspace/didChangeConfiguration` with these settings. */
  | { kind: 'notify'; settings: InitializationOptions }
  /** Restart the server: how it starts changed, or a setting was cleared (the server merges
   * new settings over old ones, so a cleared key can only be dropped by a restart). */
  | { kind: 'restart'; reason: string };

export function configurationChange(before: CodexSettings, after: CodexSettings): ConfigurationChange {
  if (
    before.serverPath !== after.serverPath ||
    before.serverPython !== after.serverPython ||
    JSON.stringify(before.serverEnv) !== JSON.stringify(after.serverEnv) ||
    before.daemon !== after.daemon
  ) {
    return { kind: 'restart', reason: 'the server command changed' };
  }
  if (before.inlineCompletion !== after.inlineCompletion) {
    // The server advertises inlineCompletionProvider (or not) in its initialize answer.
    return { kind: 'restart', reason: `inline completions turned ${after.inlineCompletion ? 'on' : 'off'}` };
  }
  const old = toInitializationOptions(before) as Record<string, unknown>;
  const now = toInitializationOptions(after) as Record<string, unknown>;
  const cleared = Object.keys(old).filter((k) => !(k in now));
  if (cleared.length > 0) {
    return { kind: 'restart', reason: `cleared ${cleared.join(', ')}` };
  }
  const changed = Object.keys(now).some((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]));
  return changed ? { kind: 'notify', settings: now } : { kind: 'none' };
}

/**
 * The server's environment: `CODEX_LSP_DAEMON` from `codex.server.daemon` (1: the first
 * window starts the per-user daemon, later ones attach to it; a daemon that cannot be
 * reached falls back to a private server), then `codex.server.env`, which wins.
 */
export function serverEnvironment(base: NodeJS.ProcessEnv, s: CodexSettings): NodeJS.ProcessEnv {
  return { ...base, CODEX_LSP_DAEMON: s.daemon ? '1' : '0', ...s.serverEnv };
}

/** How the server is started. */
export interface ServerCommand {
  command: string;
  args: string[];
  /** For the log and error messages; `bundled` runs the extension's own copy. */
  source: 'setting' | 'path' | 'bundled' | 'python';
}

/** The server the .vsix carries (bundled/manifest.json, written by scripts/bundle-python.mjs). */
export interface BundledServer {
  /** bundled/tool/launch.py */
  launcher: string;
  /** CPython versions it has binaries for, e.g. ["3.11", "3.12"]. */
  pythons: string[];
  /** The codex-lsp version inside. */
  version: string;
}

export interface CommandLookup {
  /** Absolute path of an executable found on PATH, else undefined. */
  which(name: string): string | undefined;
  /** The Python extension's interpreter for this workspace, if it has one. */
  pythonFromExtension?: string;
  /** The server bundled in the extension, if this build has one. */
  bundled?: BundledServer;
}

/**
 * `codex.server.path`, else `codex-lsp` on PATH, else the bundled server, else
 * `python -m codex_lsp`; the last two with `codex.server.python`, the Python extension's
 * interpreter, or `python3`. (A `codex-lsp` of your own wins over the bundled one, as
 * ruff's "fromEnvironment": `pip install -e .` while working on the server just works.)
 */
export function resolveServerCommand(s: CodexSettings, lookup: CommandLookup): ServerCommand {
  if (s.serverPath) {
    return { command: s.serverPath, args: [], source: 'setting' };
  }
  const onPath = lookup.which('codex-lsp');
  if (onPath) {
    return { command: onPath, args: [], source: 'path' };
  }
  const python = s.serverPython || lookup.pythonFromExtension || lookup.which('python3') || 'python3';
  if (lookup.bundled) {
    // -I -S: no PYTHONPATH, no site-packages: only the stdlib and bundled/libs.
    return { command: python, args: ['-I', '-S', lookup.bundled.launcher], source: 'bundled' };
  }
  return { command: python, args: ['-m', 'codex_lsp'], source: 'python' };
}

/**
 * The bundled server described by bundled/manifest.json (`text`) in the extension at `root`,
 * or undefined when the manifest is missing or not what scripts/bundle-python.mjs writes.
 */
export function parseBundledManifest(text: string | undefined, root: string): BundledServer | undefined {
  if (!text) return undefined;
  let manifest: { codexLsp?: unknown; pythons?: unknown };
  try {
    manifest = JSON.parse(text);
  } catch {
    return undefined;
  }
  const pythons = manifest?.pythons;
  if (typeof manifest?.codexLsp !== 'string' || !Array.isArray(pythons) || pythons.length === 0) return undefined;
  if (!pythons.every((v) => typeof v === 'string' && /^\d+\.\d+$/.test(v))) return undefined;
  return { launcher: path.join(root, 'bundled', 'tool', 'launch.py'), pythons, version: manifest.codexLsp };
}

/** The oldest Python codex-lsp runs on (pyproject.toml `requires-python`). */
export const MIN_PYTHON = '3.11';

/** Prints "3.12" on any Python, old ones too (2.7 has no -I, so -E -S). */
export const PYTHON_VERSION_PROBE = ['-E', '-S', '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'];

/** "3.12" from the probe's output, else undefined. */
export function parsePythonVersion(output: string): string | undefined {
  return /^\s*(\d+\.\d+)\s*$/.exec(output)?.[1];
}

function versionKey(v: string): number {
  const [major, minor] = v.split('.').map(Number);
  return major * 1000 + minor;
}

/**
 * Why `python` (which reported `version`, undefined if it did not run) cannot run the
 * bundled server, or undefined when it can. The message names the interpreter and what to do.
 */
export function bundledPythonProblem(python: string, version: string | undefined, bundled: BundledServer): string | undefined {
  const fix = 'Select an interpreter (Python ≥ 3.11), set "codex.server.python", or install codex-lsp and set "codex.server.path".';
  if (!version) {
    return `Codex: no Python found to run the bundled language server ("${python}" did not run). ${fix}`;
  }
  if (versionKey(version) < versionKey(MIN_PYTHON)) {
    return `Codex: the language server needs Python ≥ ${MIN_PYTHON}; "${python}" is Python ${version}. ${fix}`;
  }
  if (!bundled.pythons.includes(version)) {
    const carried = bundled.pythons.join(', ');
    return `Codex: the bundled language server carries binaries for Python ${carried}; "${python}" is Python ${version}. ${fix}`;
  }
  return undefined;
}

/** Find an executable on a PATH string (POSIX and Windows), with an injectable file check. */
export function which(
  name: string,
  pathEnv: string | undefined,
  isExecutable: (file: string) => boolean,
  platform: string = process.platform,
): string | undefined {
  if (!pathEnv) return undefined;
  const sep = platform === 'win32' ? ';' : ':';
  const exts = platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
  for (const dir of pathEnv.split(sep)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      if (isExecutable(file)) return file;
    }
  }
  return undefined;
}
