/**
 * Entry point: wires the log channel, status bar, reviewer, commands and the
 * server together, starts the server and follows settings changes. The work is
 * in server.ts (client), review.ts (approvals), commands.ts, panel/ (the Codex view).
 */

import * as vscode from 'vscode';

import { AnswerStream } from './answers';
import { CodexCommands } from './commands';
import { CodexPanel, VIEW_ID } from './panel/host';
import { ANSWERS_CHANNEL, Commands, LOG_CHANNEL, SETTINGS_SECTION } from './constants';
import { dispatchEvent, LoginEvent, SomeEvents } from './events';
import { StatusBar } from './statusBar';
import { ProgressNotifications } from './progress';
import { approveCommand, EditReviewer } from './review';
import { CodexServer, currentSettings } from './server';
import { configurationChange } from './settings';

let server: CodexServer | undefined;

const OPEN_SETTINGS = 'Open Settings';
const SHOW_LOG = 'Show Log';
const RETRY = 'Retry';
const SELECT_INTERPRETER = 'Select Interpreter';
const SIGN_IN = 'Sign in with ChatGPT';
const COPY_URL = 'Copy URL';
const OPEN_URL = 'Open in Browser';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel(LOG_CHANNEL, { log: true });
  const answersChannel = vscode.window.createOutputChannel(ANSWERS_CHANNEL);
  const answers = new AnswerStream(answersChannel);
  const statusBar = new StatusBar();
  let panel: CodexPanel | undefined;
  const progress = new ProgressNotifications({
    quiet: () => panel?.visible ?? false,
    status: (key, text) => statusBar.setProgress(key, text),
  });
  const reviewer = new EditReviewer(log);
  context.subscriptions.push(log, answersChannel, statusBar, progress, reviewer);

  const openSettings = () =>
    vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${context.extension.id}`);

  /** The Python extension's interpreter picker, else the `codex.server.python` setting; then restart. */
  const selectInterpreter = async () => {
    if (vscode.extensions.getExtension('ms-python.python')) {
      await vscode.commands.executeCommand('python.setInterpreter');
      await server?.restart();
    } else {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'codex.server.python');
    }
  };

  let commands: CodexCommands | undefined;
  server = new CodexServer({
    log,
    progress,
    // While the Codex view is shown, edits and commands are decided in it.
    approveEdit: (params, token) => (panel?.visible ? panel.reviewEdit(params, token) : reviewer.review(params, token)),
    approveCommand: (params) => (panel?.visible ? panel.approveCommand(params) : approveCommand(params)),
    requestUserInput: async (params, token) => (panel ? panel.requestUserInput(params, token) : null),
    onEvent: (event) => {
      panel?.handleEvent(event);
      dispatchEvent(workbenchHandlers, event);
      answers.handle(event);
      statusBar.handle(event);
    },
    onStartFailed: async (message, fix) => {
      statusBar.setState('failed', message);
      panel?.setServerState('crashed', message);
      const first = fix === 'interpreter' ? SELECT_INTERPRETER : OPEN_SETTINGS;
      const choice = await vscode.window.showErrorMessage(message, first, SHOW_LOG, RETRY);
      if (choice === SELECT_INTERPRETER) await selectInterpreter();
      if (choice === OPEN_SETTINGS) await openSettings();
      if (choice === SHOW_LOG) log.show();
      if (choice === RETRY) await server?.restart();
    },
    onStateChange: (state) => {
      panel?.setServerState(state === 'running' ? 'ready' : state);
      if (state === 'starting') statusBar.setState('starting');
      else if (state === 'stopped') statusBar.setState('stopped');
      else void refreshStatus();
    },
    executeCommand: (command, args, next) => commands!.intercept(command, args, next),
  });
  commands = new CodexCommands(server, answers, answersChannel, log);
  panel = new CodexPanel(context.extensionUri, server, reviewer, log, context.workspaceState);
  context.subscriptions.push(
    panel,
    vscode.window.registerWebviewViewProvider(VIEW_ID, panel),
    vscode.commands.registerCommand(Commands.openPanel, () => vscode.commands.executeCommand(`${VIEW_ID}.focus`)),
    ...commands.register(),
    vscode.commands.registerCommand(Commands.reviewApply, () => reviewer.decide('approve')),
    vscode.commands.registerCommand(Commands.reviewReject, () => reviewer.decide('reject')),
  );

  /** The workbench's own reactions to events (the view, answers and status bar have theirs). */
  const workbenchHandlers: SomeEvents = {
    authRequired: (e) => void onAuthRequired(e.message || 'Not signed in', e.action === SIGN_IN),
    login: (e) => {
      if (e.state === 'waiting') void onLoginWaiting(e);
      if (e.state === 'signedIn' || e.state === 'signedOut') void refreshStatus();
    },
    approvalWithdrawn: (e) => {
      if (e.kind === 'edit') reviewer.withdraw();
    },
  };

  /** `codex/event {type: "authRequired"}`: the server has no usable credentials. */
  async function onAuthRequired(message: string, offerSignIn: boolean): Promise<void> {
    statusBar.setState('noKey', message);
    const actions = offerSignIn ? [SIGN_IN, OPEN_SETTINGS, SHOW_LOG] : [OPEN_SETTINGS, SHOW_LOG];
    const choice = await vscode.window.showWarningMessage(`Codex: ${message}`, ...actions);
    if (choice === SIGN_IN) await vscode.commands.executeCommand(Commands.signIn);
    if (choice === OPEN_SETTINGS) await openSettings();
    if (choice === SHOW_LOG) log.show();
  }

  /** A sign-in waits for the browser: show the URL (and code) with "Copy URL". */
  async function onLoginWaiting(event: LoginEvent): Promise<void> {
    const url = event.url ?? '';
    const text = event.userCode
      ? `Codex: open ${url} and enter the code ${event.userCode} (expires in 15 minutes).`
      : `Codex: sign in with ChatGPT in your browser: ${url}`;
    const choice = await vscode.window.showInformationMessage(text, COPY_URL, OPEN_URL);
    if (choice === COPY_URL) await vscode.env.clipboard.writeText(url);
    if (choice === OPEN_URL) await vscode.env.openExternal(vscode.Uri.parse(url));
  }

  /** Model and key state for the status bar, from `codex.status`. */
  async function refreshStatus(): Promise<void> {
    try {
      const status = await server!.execute<{
        config?: { model?: string };
        auth?: { authMode?: string | null; plan?: string | null; authSource?: string };
      }>('codex.status', {});
      const plan = status.auth?.plan ? ` · ${status.auth.plan}` : '';
      statusBar.setModel(`${status.config?.model ?? ''}${plan}`);
      statusBar.setState(status.auth?.authSource === 'none' ? 'noKey' : 'ready');
      panel?.setEffectiveModel(status.config?.model ?? '');
      if (status.auth?.authSource === 'none') panel?.setServerState('noAuth', 'Not signed in and no API key.');
    } catch (err) {
      log.warn(`codex.status: ${String(err)}`);
      statusBar.setState('ready');
    }
  }

  let settings = currentSettings();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration(SETTINGS_SECTION)) return;
      const next = currentSettings();
      const change = configurationChange(settings, next);
      settings = next;
      if (change.kind === 'restart') {
        log.info(`settings changed (${change.reason}): restarting the server`);
        await server?.restart();
      } else if (change.kind === 'notify') {
        log.info(`settings changed: ${JSON.stringify(change.settings)}`);
        await server?.notifySettings({ ...change.settings });
        await refreshStatus();
      }
    }),
  );

  void server.start();
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}
