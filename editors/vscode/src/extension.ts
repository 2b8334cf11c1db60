/**
 * Entry point: wires the log channel, status bar, reviewer, commands and the
 * server together, starts the server and follows settings changes. The work is
 * in server.ts (client), review.ts (approvals), commands.ts, events.ts.
 */

import * as vscode from 'vscode';

import { AnswerStream } from './answers';
import { CodexCommands } from './commands';
import { ANSWERS_CHANNEL, Commands, LOG_CHANNEL, SETTINGS_SECTION } from './constants';
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

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel(LOG_CHANNEL, { log: true });
  const answersChannel = vscode.window.createOutputChannel(ANSWERS_CHANNEL);
  const answers = new AnswerStream(answersChannel);
  const statusBar = new StatusBar();
  const progress = new ProgressNotifications();
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
    approveEdit: (params, token) => reviewer.review(params, token),
    approveCommand: (params) => approveCommand(params),
    onEvent: (event) => {
      answers.handle(event);
      statusBar.handle(event);
      if (event.type === 'approvalWithdrawn' && event.kind === 'edit') reviewer.withdraw();
    },
    onMissingKey: async (message) => {
      statusBar.setState('noKey', message);
      const choice = await vscode.window.showWarningMessage(`Codex: ${message}`, OPEN_SETTINGS, SHOW_LOG);
      if (choice === OPEN_SETTINGS) await openSettings();
      if (choice === SHOW_LOG) log.show();
    },
    onStartFailed: async (message, fix) => {
      statusBar.setState('failed', message);
      const first = fix === 'interpreter' ? SELECT_INTERPRETER : OPEN_SETTINGS;
      const choice = await vscode.window.showErrorMessage(message, first, SHOW_LOG, RETRY);
      if (choice === SELECT_INTERPRETER) await selectInterpreter();
      if (choice === OPEN_SETTINGS) await openSettings();
      if (choice === SHOW_LOG) log.show();
      if (choice === RETRY) await server?.restart();
    },
    onStateChange: (state) => {
      if (state === 'starting') statusBar.setState('starting');
      else if (state === 'stopped') statusBar.setState('stopped');
      else void refreshStatus();
    },
    executeCommand: (command, args, next) => commands!.intercept(command, args, next),
  });
  commands = new CodexCommands(server, answers, answersChannel, log);
  context.subscriptions.push(
    ...commands.register(),
    vscode.commands.registerCommand(Commands.reviewApply, () => reviewer.decide('approve')),
    vscode.commands.registerCommand(Commands.reviewReject, () => reviewer.decide('reject')),
  );

  /** Model and key state for the status bar, from `codex.status`. */
  async function refreshStatus(): Promise<void> {
    try {
      const status = await server!.execute<{ config?: { model?: string; api_key_present?: boolean } }>(
        'codex.status',
        {},
      );
      statusBar.setModel(status.config?.model ?? '');
      statusBar.setState(status.config?.api_key_present === false ? 'noKey' : 'ready');
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
