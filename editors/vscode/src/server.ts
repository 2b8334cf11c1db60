/**
 * The LanguageClient for `codex-lsp`: start, stop, restart, commands and settings.
 *
 * - Finding and spawning the process is launch.ts; the custom protocol is feature.ts.
 * - "Not signed in" comes as `codex/event {type: "authRequired"}` (extension.ts offers
 *   "Sign in with ChatGPT"); no message text is matched.
 * - A server that keeps crashing is restarted at most 3 times in 3 minutes.
 */

import * as cp from 'child_process';
import * as vscode from 'vscode';
import {
  CancellationToken,
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  MessageTransports,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';

import { CLIENT_ID, CLIENT_NAME } from './constants';
import { applyAndSave } from './saveAfterApply';
import { CodexFeature, ServerHooks } from './feature';
import { currentSettings, errorText, ServerLauncher } from './launch';
import { ServerCommand, toInitializationOptions } from './settings';

export { currentSettings, errorText } from './launch';
export type { ServerHooks } from './feature';


const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

export class CodexServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private process: cp.ChildProcess | undefined;
  private restarts: number[] = [];
  private stopping = false;
  private starting: Promise<boolean> | undefined;
  /** The command the running server was started with. */
  command: ServerCommand | undefined;

  private readonly launcher: ServerLauncher;

  constructor(private readonly hooks: ServerHooks) {
    this.launcher = new ServerLauncher(hooks.log);
  }

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
    const command = await this.launcher.resolveCommand(settings);
    const problem = await this.launcher.preflight(command, settings);
    if (problem) {
      log.error(problem.message);
      this.hooks.onStateChange('stopped');
      this.hooks.onStartFailed(problem.message, problem.fix);
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

  private createClient(): LanguageClient {
    const serverOptions: ServerOptions = () => this.spawn();
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }],
      outputChannel: this.hooks.log,
      traceOutputChannel: vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`, { log: true }),
      initializationOptions: () => toInitializationOptions(currentSettings()),
      middleware: {
        executeCommand: (command, args, next) => this.hooks.executeCommand(command, args, next),
        workspace: {
          handleApplyEdit: (params, next) => applyAndSave(params, (p) => next(p, CancellationToken.None), this.hooks.log),
        },
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
    const command = this.command ?? (await this.launcher.resolveCommand(settings));
    this.killProcess();
    const { child, transports } = await this.launcher.spawn(command, settings, () => false);
    this.process = child;
    child.on('exit', () => {
      if (this.process === child) this.process = undefined;
    });
    return transports;
  }

  private stderrHint(): string {
    return this.launcher.stderrHint();
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
