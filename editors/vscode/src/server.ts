/**
 * Builds and runs the LanguageClient for `codex-lsp`.
 *
 * - Finds the server (settings.ts), checks it runs (`--version`) before starting, so a
 *   missing or broken install is one clear message with "Open Settings".
 * - Spawns it over stdio itself, so `window/showMessage` can be looked at before
 *   vscode-languageclient shows it: the server's "No API key ..." warning gets
 *   "Open Settings" / "Show Log" buttons instead of a bare toast.
 * - {@link CodexFeature} sets `experimental.codexApproval` and handles the custom
 *   messages (`codex/approveEdit`, `codex/approveCommand`, `codex/event`) and
 *   progress (notifications with Cancel).
 */

import * as cp from 'child_process';
import * as fs from 'fs';
import * as readline from 'readline';
import * as vscode from 'vscode';
import {
  CloseAction,
  DataCallback,
  Disposable as LspDisposable,
  ErrorAction,
  Event as LspEvent,
  ExecuteCommandRequest,
  FeatureState,
  LanguageClient,
  LanguageClientOptions,
  Message,
  MessageReader,
  MessageTransports,
  NotificationMessage,
  PartialMessageInfo,
  ServerOptions,
  State,
  StaticFeature,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageclient/node';

import { CodexEvent } from './answers';
import { ApproveCommandParams, ApproveEditParams } from './approval';
import { CLIENT_ID, CLIENT_NAME, Methods, SETTINGS_SECTION } from './constants';
import { ProgressNotifications } from './progress';
import {
  CodexSettings,
  readSettings,
  resolveServerCommand,
  ServerCommand,
  toInitializationOptions,
  which,
} from './settings';

/** What the server needs from the rest of the extension. */
export interface ServerHooks {
  log: vscode.LogOutputChannel;
  progress: ProgressNotifications;
  approveEdit(params: ApproveEditParams, token: vscode.CancellationToken): Promise<unknown>;
  approveCommand(params: ApproveCommandParams): Promise<unknown>;
  onEvent(event: CodexEvent): void;
  /** The server said it has no API key. */
  onMissingKey(message: string): void;
  /** The server could not be started (or keeps stopping). */
  onStartFailed(message: string): void;
  onStateChange(state: 'starting' | 'running' | 'stopped'): void;
  /** `middleware.executeCommand`: code actions and other `codex.*` commands pass here. */
  executeCommand(command: string, args: unknown[], next: (command: string, args: unknown[]) => unknown): unknown;
}

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

/** Our custom protocol, (re)attached every time the client starts. */
class CodexFeature implements StaticFeature {
  private disposables: vscode.Disposable[] = [];

  constructor(
    private readonly client: LanguageClient,
    private readonly hooks: ServerHooks,
  ) {}

  fillClientCapabilities(capabilities: { experimental?: unknown }): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    experimental.codexApproval = true;
    capabilities.experimental = experimental;
  }

  initialize(): void {
    this.clear();
    const { client, hooks } = this;
    this.disposables.push(
      client.onRequest(Methods.approveEdit, (params: ApproveEditParams, token) => hooks.approveEdit(params, token)),
      client.onRequest(Methods.approveCommand, (params: ApproveCommandParams) => hooks.approveCommand(params)),
      client.onNotification(Methods.event, (event: CodexEvent) => hooks.onEvent(event)),
      // Registered after the built-in ProgressFeature's, so this one wins.
      client.onRequest(WorkDoneProgressCreateRequest.type, (params) => hooks.progress.create(client, params)),
    );
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  clear(): void {
    this.disposables.forEach((d) => d.dispose());
    this.disposables = [];
    this.hooks.progress.clear();
  }
}

function isNotification(message: Message): message is NotificationMessage {
  return (message as NotificationMessage).method !== undefined && (message as { id?: unknown }).id === undefined;
}

const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

export class CodexServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private process: cp.ChildProcess | undefined;
  private stderrTail: string[] = [];
  private restarts: number[] = [];
  private stopping = false;
  private starting: Promise<boolean> | undefined;
  /** The command the running server was started with. */
  command: ServerCommand | undefined;

  constructor(private readonly hooks: ServerHooks) {}

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  /** Start (once; concurrent calls share the attempt). Resolves false if it could not start. */
  start(): Promise<boolean> {
    if (this.running) return Promise.resolve(true);
    if (!this.starting) {
      this.starting = this.doStart().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  private async doStart(): Promise<boolean> {
    const { log } = this.hooks;
    this.hooks.onStateChange('starting');
    const settings = currentSettings();
    const command = await this.resolveCommand(settings);
    const problem = await this.preflight(command, settings);
    if (problem) {
      log.error(problem);
      this.hooks.onStateChange('stopped');
      this.hooks.onStartFailed(problem);
      return false;
    }
    this.command = command;
    const client = this.client ?? this.createClient();
    this.stopping = false;
    try {
      await client.start();
    } catch (err) {
      const message = `Codex: the language server did not start: ${errorText(err)}${this.stderrHint()}`;
      log.error(message);
      this.hooks.onStateChange('stopped');
      this.hooks.onStartFailed(message);
      return false;
    }
    log.info(`server running (${[command.command, ...command.args].join(' ')})`);
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const client = this.client;
    if (client && client.state !== State.Stopped) {
      try {
        await client.stop(3000);
      } catch (err) {
        this.hooks.log.warn(`stopping the server: ${errorText(err)}`);
      }
    }
    this.killProcess();
    this.hooks.onStateChange('stopped');
  }

  async restart(): Promise<boolean> {
    this.hooks.log.info('restarting the server');
    await this.stop();
    this.restarts = [];
    return this.start();
  }

  /** `workspace/executeCommand` with one argument object. */
  async execute<T = Record<string, unknown>>(
    command: string,
    arg: Record<string, unknown>,
    token?: vscode.CancellationToken,
  ): Promise<T> {
    if (!(await this.start()) || !this.client) {
      throw new ServerNotRunning('the Codex language server is not running');
    }
    const offered = this.client.initializeResult?.capabilities.executeCommandProvider?.commands;
    if (offered && !offered.includes(command)) {
      throw new Error(`this codex-lsp does not offer "${command}" yet; update codex-lsp to use it`);
    }
    return (await this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [arg] }, token)) as T;
  }

  /** Send changed settings (`workspace/didChangeConfiguration`). */
  async notifySettings(settings: Record<string, unknown>): Promise<void> {
    if (this.client && this.running) {
      await this.client.sendNotification('workspace/didChangeConfiguration', { settings });
    }
  }

  private async resolveCommand(settings: CodexSettings): Promise<ServerCommand> {
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
    if (!settings.serverPath && !onPath) this.hooks.log.info(`codex-lsp is not on PATH (${pathEnv ?? ''})`);
    const needPython = !settings.serverPath && !onPath && !settings.serverPython;
    const pythonFromExtension = needPython ? await this.pythonFromExtension() : undefined;
    return resolveServerCommand(settings, { which: find, pythonFromExtension });
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
      this.hooks.log.warn(`could not ask the Python extension for an interpreter: ${errorText(err)}`);
      return undefined;
    }
  }

  private serverEnv(settings: CodexSettings): NodeJS.ProcessEnv {
    return { ...process.env, ...settings.serverEnv };
  }

  private cwd(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    return folder?.uri.fsPath;
  }

  /** Run `<server> --version`; a message for the user if it does not work. */
  private preflight(command: ServerCommand, settings: CodexSettings): Promise<string | undefined> {
    const shown = [command.command, ...command.args].join(' ');
    const how =
      command.source === 'setting'
        ? 'Check the "codex.server.path" setting.'
        : 'Install it (pip install codex-lsp) into an interpreter on PATH, or set "codex.server.path" or "codex.server.python".';
    return new Promise((resolve) => {
      cp.execFile(
        command.command,
        [...command.args, '--version'],
        { env: this.serverEnv(settings), cwd: this.cwd(), timeout: 30000 },
        (err, stdout, stderr) => {
          if (!err) {
            this.hooks.log.info(`found ${stdout.trim() || 'codex-lsp'} (${shown}, from ${command.source})`);
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

  private createClient(): LanguageClient {
    const serverOptions: ServerOptions = () => this.spawn();
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }],
      outputChannel: this.hooks.log,
      traceOutputChannel: vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`, { log: true }),
      initializationOptions: () => toInitializationOptions(currentSettings()),
      middleware: {
        executeCommand: (command, args, next) => this.hooks.executeCommand(command, args, next),
      },
      initializationFailedHandler: (err) => {
        this.hooks.log.error(`initialize failed: ${errorText(err)}`);
        return false;
      },
      errorHandler: {
        error: (_err, _message, count) => ({
          action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
          handled: true,
        }),
        closed: () => this.onClosed(),
      },
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    client.registerFeature(new CodexFeature(client, this.hooks));
    // Also after the client restarts a crashed server by itself.
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.hooks.onStateChange('running');
    });
    this.client = client;
    return client;
  }

  private onClosed(): { action: CloseAction; handled: boolean } {
    this.hooks.onStateChange('stopped');
    if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restarts.length < MAX_RESTARTS) {
      this.restarts.push(now);
      this.hooks.log.warn(`the server stopped; restarting it${this.stderrHint()}`);
      this.hooks.onStateChange('starting');
      return { action: CloseAction.Restart, handled: true };
    }
    this.hooks.onStartFailed(
      `Codex: the language server stopped ${MAX_RESTARTS + 1} times in 3 minutes and was not restarted.${this.stderrHint()}`,
    );
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  private async spawn(): Promise<MessageTransports> {
    const settings = currentSettings();
    const command = this.command ?? (await this.resolveCommand(settings));
    this.killProcess();
    this.stderrTail = [];
    const log = this.hooks.log;
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
    this.process = child;
    readline.createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderrTail = [...this.stderrTail.slice(-19), line];
      if (/ (ERROR|CRITICAL) /.test(line)) log.error(line);
      else if (/ WARNING /.test(line)) log.warn(line);
      else log.info(line);
    });
    child.on('exit', (code, signal) => {
      log.info(`server process exited (${signal ?? `code ${code}`})`);
      if (this.process === child) this.process = undefined;
    });
    const reader = new InterceptingReader(new StreamMessageReader(child.stdout!), (m) => this.intercept(m));
    return { reader, writer: new StreamMessageWriter(child.stdin!), detached: false };
  }

  /** The server's "No API key ..." warning gets our own message with actions. */
  private intercept(message: Message): boolean {
    if (!isNotification(message) || message.method !== 'window/showMessage') return false;
    const params = message.params as { type?: number; message?: string } | undefined;
    const text = params?.message ?? '';
    if (/^No API key\b/.test(text)) {
      this.hooks.log.warn(text);
      this.hooks.onMissingKey(text);
      return true;
    }
    return false;
  }

  private stderrHint(): string {
    const tail = this.stderrTail.slice(-3).join(' | ');
    return tail ? ` Last server output: ${tail}` : '';
  }

  private killProcess(): void {
    const child = this.process;
    this.process = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => clearTimeout(timer));
      child.kill('SIGTERM');
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    await this.client?.dispose();
    this.client = undefined;
  }
}

/** A command could not run because the server did not start (the user was told why). */
export class ServerNotRunning extends Error {}

function lastLines(text: string, n: number): string {
  return text.trim().split(/\r?\n/).slice(-n).join(' ');
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
