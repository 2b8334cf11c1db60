/**
 * Finding, checking and spawning the `codex-lsp` process (no LanguageClient here).
 *
 * - Finds the server (settings.ts: `codex.server.path`, `codex-lsp` on PATH, the server
 *   bundled in the .vsix (bundled/), `python -m codex_lsp`; the last two with
 *   `codex.server.python`, the Python extension's interpreter or `python3`).
 * - Checks it runs before starting (the interpreter's version for the bundled server, then
 *   `--version`), so a missing or broken install is one clear message with the way to fix it
 *   ("Select Interpreter" or "Open Settings").
 * - Spawns it over stdio with a reader that lets the client look at messages first.
 */

import * as cp from 'child_process';
import * as fs from 'fs';
import * as readline from 'readline';
import * as vscode from 'vscode';
import {
  DataCallback,
  Disposable as LspDisposable,
  Event as LspEvent,
  Message,
  MessageReader,
  PartialMessageInfo,
  StreamMessageReader,
  StreamMessageWriter,
  MessageTransports,
} from 'vscode-languageclient/node';

import { EXTENSION_ID, SETTINGS_SECTION } from './constants';
import {
  BundledServer,
  bundledPythonProblem,
  CodexSettings,
  parseBundledManifest,
  parsePythonVersion,
  PYTHON_VERSION_PROBE,
  readSettings,
  resolveServerCommand,
  serverEnvironment,
  ServerCommand,
  which,
} from './settings';

export function currentSettings(): CodexSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return readSettings((key) => config.get(key));
}

/** A reader that lets `intercept` swallow messages before the client dispatches them. */
class InterceptingReader implements MessageReader {
  constructor(
    private readonly inner: MessageReader,
    private readonly intercept: (message: Message) => boolean,
  ) {}

  get onError(): LspEvent<Error> {
    return this.inner.onError;
  }

  get onClose(): LspEvent<void> {
    return this.inner.onClose;
  }

  get onPartialMessage(): LspEvent<PartialMessageInfo> {
    return this.inner.onPartialMessage;
  }

  listen(callback: DataCallback): LspDisposable {
    return this.inner.listen((message) => {
      let swallowed = false;
      try {
        swallowed = this.intercept(message);
      } catch {
        swallowed = false;
      }
      if (!swallowed) callback(message);
    });
  }

  dispose(): void {
    this.inner.dispose();
  }
}

/** Why the server cannot start, and what the user can do about it. */
export interface StartProblem {
  message: string;
  /** `interpreter`: choose another Python ("Select Interpreter"); `settings`: Open Settings. */
  fix: 'interpreter' | 'settings';
}

/** The server bundled in this extension (bundled/manifest.json), if it was packaged with one. */
export function bundledServer(): BundledServer | undefined {
  const root = vscode.extensions.getExtension(EXTENSION_ID)?.extensionPath;
  if (!root) return undefined;
  let text: string | undefined;
  try {
    text = fs.readFileSync(`${root}/bundled/manifest.json`, 'utf8');
  } catch {
    return undefined;
  }
  return parseBundledManifest(text, root);
}

/** A running server process and the transports to talk to it. */
export interface Launched {
  child: cp.ChildProcess;
  transports: MessageTransports;
}

/** Finds and starts the server; logs its stderr; keeps the last lines for error messages. */
export class ServerLauncher {
  /** The last lines the server wrote to stderr (for "Last server output: ..."). */
  stderrTail: string[] = [];

  /** The bundled server found by the last `resolveCommand`. */
  private bundled: BundledServer | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  async resolveCommand(settings: CodexSettings): Promise<ServerCommand> {
    const pathEnv = settings.serverEnv.PATH ?? process.env.PATH;
    const isExecutable = (file: string) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    };
    const find = (name: string) => which(name, pathEnv, isExecutable);
    const onPath = !settings.serverPath && find('codex-lsp');
    if (!settings.serverPath && !onPath) this.log.info(`codex-lsp is not on PATH (${pathEnv ?? ''})`);
    this.bundled = bundledServer();
    const needPython = !settings.serverPath && !onPath && !settings.serverPython;
    const pythonFromExtension = needPython ? await this.pythonFromExtension() : undefined;
    return resolveServerCommand(settings, { which: find, pythonFromExtension, bundled: this.bundled });
  }

  /** The Python extension's interpreter for the first workspace folder, if installed. */
  private async pythonFromExtension(): Promise<string | undefined> {
    const ext = vscode.extensions.getExtension('ms-python.python');
    if (!ext) return undefined;
    try {
      const api = (ext.isActive ? ext.exports : await ext.activate()) as any;
      const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
      const active = api?.environments?.getActiveEnvironmentPath?.(resource);
      if (active?.path) {
        const resolved = await api.environments.resolveEnvironment?.(active);
        return resolved?.executable?.uri?.fsPath ?? active.path;
      }
      const exec = api?.settings?.getExecutionDetails?.(resource)?.execCommand;
      return Array.isArray(exec) && exec.length > 0 ? String(exec[0]) : undefined;
    } catch (err) {
      this.log.warn(`could not ask the Python extension for an interpreter: ${errorText(err)}`);
      return undefined;
    }
  }

  private serverEnv(settings: CodexSettings): NodeJS.ProcessEnv {
    return serverEnvironment(process.env, settings);
  }

  private cwd(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    return folder?.uri.fsPath;
  }

  /** "3.12" for `python`, or undefined if it does not run. */
  private pythonVersion(python: string, settings: CodexSettings): Promise<string | undefined> {
    return new Promise((resolve) => {
      cp.execFile(python, PYTHON_VERSION_PROBE, { env: this.serverEnv(settings), timeout: 15000 }, (err, stdout) =>
        resolve(err ? undefined : parsePythonVersion(stdout)),
      );
    });
  }

  /** Check the server can run (Python version, then `--version`); what to tell the user if not. */
  async preflight(command: ServerCommand, settings: CodexSettings): Promise<StartProblem | undefined> {
    if (command.source === 'bundled' && this.bundled) {
      const version = await this.pythonVersion(command.command, settings);
      this.log.info(`interpreter for the bundled server: ${command.command} (Python ${version ?? '?'})`);
      const problem = bundledPythonProblem(command.command, version, this.bundled);
      if (problem) return { message: problem, fix: 'interpreter' };
    }
    const message = await this.runVersion(command, settings);
    if (!message) return undefined;
    return { message, fix: command.source === 'bundled' || command.source === 'python' ? 'interpreter' : 'settings' };
  }

  /** Run `<server> --version`; a message for the user if it does not work. */
  private runVersion(command: ServerCommand, settings: CodexSettings): Promise<string | undefined> {
    const shown = [command.command, ...command.args].join(' ');
    const how = {
      setting: 'Check the "codex.server.path" setting.',
      path: 'Check the codex-lsp found on PATH, or set "codex.server.path".',
      bundled: 'Select another interpreter (Python ≥ 3.11), or set "codex.server.python" or "codex.server.path".',
      python:
        'Install it into that interpreter (pip install -e . in the codex-lsp repository), or set "codex.server.path" or "codex.server.python".',
    }[command.source];
    return new Promise((resolve) => {
      cp.execFile(
        command.command,
        [...command.args, '--version'],
        { env: this.serverEnv(settings), cwd: this.cwd(), timeout: 30000 },
        (err, stdout, stderr) => {
          if (!err) {
            this.log.info(`found ${stdout.trim() || 'codex-lsp'} (${shown}, from ${command.source})`);
            resolve(undefined);
            return;
          }
          const code = (err as NodeJS.ErrnoException).code;
          const reason =
            code === 'ENOENT'
              ? 'not found'
              : code === 'EACCES'
                ? 'not executable'
                : lastLines(stderr || err.message, 3);
          resolve(`Codex: cannot start the language server "${shown}": ${reason}. ${how}`);
        },
      );
    });
  }

  /** Spawn `command` over stdio; `intercept` sees each message before the client does. */
  async spawn(command: ServerCommand, settings: CodexSettings, intercept: (m: Message) => boolean): Promise<Launched> {
    this.stderrTail = [];
    const log = this.log;
    log.info(`starting: ${[command.command, ...command.args].join(' ')}`);
    const child = cp.spawn(command.command, command.args, {
      cwd: this.cwd(),
      env: this.serverEnv(settings),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    readline.createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderrTail = [...this.stderrTail.slice(-19), line];
      if (/ (ERROR|CRITICAL) /.test(line)) log.error(line);
      else if (/ WARNING /.test(line)) log.warn(line);
      else log.info(line);
    });
    child.on('exit', (code, signal) => log.info(`server process exited (${signal ?? `code ${code}`})`));
    const reader = new InterceptingReader(new StreamMessageReader(child.stdout!), intercept);
    return { child, transports: { reader, writer: new StreamMessageWriter(child.stdin!), detached: false } };
  }

  stderrHint(): string {
    const tail = this.stderrTail.slice(-3).join(' | ');
    return tail ? ` Last server output: ${tail}` : '';
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split(/\r?\n/).slice(-n).join(' ');
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
