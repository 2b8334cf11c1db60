/**
 * The palette / context-menu commands, and what happens around every server
 * command (including the ones code actions run): ask for an instruction when
 * the server says it needs one (`needsInstruction`: no instruction and no `codex:`
 * comment in the selection; that rule lives on the server only), report the result.
 */

import * as vscode from 'vscode';

import { AnswerStream } from './answers';
import { Commands, ServerCommands } from './constants';
import { saveAfterApplyEnabled } from './saveAfterApply';
import { CodexServer, errorText, ServerNotRunning } from './server';

export interface CommandResult {
  status?: 'applied' | 'rejected' | 'answered' | 'cancelled' | 'failed';
  threadId?: string | null;
  text?: string;
  error?: string;
  changedFiles?: string[];
  /** `codex.editSelection` failed for want of an instruction: ask the user, send it again. */
  needsInstruction?: boolean;
  [key: string]: unknown;
}

/** The server could not find an instruction (none given, no `codex:` comment). */
export function needsInstruction(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as CommandResult).needsInstruction === true;
}

interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

function lspRange(range: vscode.Range): LspRange {
  return {
    start: { line: range.start.line, character: range.start.character },
    end: { line: range.end.line, character: range.end.character },
  };
}

export class CodexCommands {
  constructor(
    private readonly server: CodexServer,
    private readonly answers: AnswerStream,
    private readonly answersChannel: vscode.OutputChannel,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  register(): vscode.Disposable[] {
    const r = (id: string, fn: () => unknown) => vscode.commands.registerCommand(id, fn);
    return [
      r(Commands.editSelection, () => this.editSelection()),
      r(Commands.ask, () => this.ask()),
      r(Commands.runTask, () => this.runTask()),
      r(Commands.explainSelection, () => this.explainSelection()),
      r(Commands.cancel, () => this.cancel()),
      r(Commands.newThread, () => this.newThread()),
      r(Commands.resumeThread, () => this.resumeThread()),
      r(Commands.undo, () => this.undo()),
      r(Commands.showStatus, () => this.showStatus()),
      r(Commands.restartServer, () => this.server.restart()),
      r(Commands.showLog, () => this.log.show()),
      r(Commands.showOutput, () => this.answersChannel.show(true)),
      r(Commands.signIn, () => this.signIn()),
      r(Commands.signOut, () => this.signOut()),
      r(Commands.reviewFile, () => this.review('file')),
      r(Commands.reviewChanges, () => this.review('uncommitted')),
      r(Commands.clearFindings, () => this.run(ServerCommands.clearFindings, {}, false)),
      r(Commands.toggleInlineCompletion, () => this.toggleInlineCompletion()),
    ];
  }

  /** "Codex: Review File" / "Codex: Review Changes": findings land in the Problems panel. */
  async review(scope: 'file' | 'uncommitted'): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const uri = editor?.document.uri.scheme === 'file' ? editor.document.uri.toString() : undefined;
    if (scope === 'file' && !uri) {
      void vscode.window.showWarningMessage('Codex: open a file to review.');
      return;
    }
    const result = await this.run(ServerCommands.review, uri ? { scope, uri } : { scope }, false);
    if (!result) return;
    if (result.status === 'failed') {
      void vscode.window.showErrorMessage(`Codex: ${result.error ?? 'review failed'}`);
      return;
    }
    const summary = String((result as Record<string, unknown>).summary ?? 'review done');
    const findings = (result as Record<string, unknown>).findings;
    if (Array.isArray(findings) && findings.length > 0) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
    }
    void vscode.window.showInformationMessage(`Codex review: ${summary}`);
  }

  /** "Codex: Toggle Inline Completions" for this session. */
  async toggleInlineCompletion(): Promise<void> {
    const result = await this.run(ServerCommands.toggleInlineCompletion, {}, false);
    if (result && result.status !== 'failed') {
      const on = (result as Record<string, unknown>).enabled === true;
      vscode.window.setStatusBarMessage(`Codex: inline completions ${on ? 'on' : 'off'}`, 5000);
    }
  }

  /** "Codex: Sign In with ChatGPT": browser locally, device code in a remote window. */
  async signIn(): Promise<void> {
    const method = vscode.env.remoteName ? 'device' : 'browser';
    const result = await this.run(ServerCommands.login, { method }, false);
    if (result?.status === 'applied') {
      const r = result as Record<string, unknown>;
      const who = [r.email, r.plan && `${String(r.plan)} plan`].filter(Boolean).join(', ');
      void vscode.window.showInformationMessage(`Codex: signed in with ChatGPT${who ? ` (${who})` : ''}.`);
    } else if (result?.status === 'failed') {
      void vscode.window.showErrorMessage(`Codex: ${result.error ?? 'sign-in failed'}`);
    }
  }

  /** "Codex: Sign Out": revoke and delete the stored sign-in. */
  async signOut(): Promise<void> {
    const result = await this.run(ServerCommands.logout, {}, false);
    if (result && result.status !== 'failed') void vscode.window.showInformationMessage('Codex: signed out.');
  }

  // ---- around every server command ------------------------------------------------

  /** `middleware.executeCommand`: code actions and `codex.*` VS Code commands come here. */
  async intercept(command: string, args: unknown[], next: (c: string, a: unknown[]) => unknown): Promise<unknown> {
    let result: unknown;
    try {
      result = await next(command, args);
      if (command === ServerCommands.editSelection && needsInstruction(result)) {
        const instruction = await this.askInstruction();
        if (instruction === undefined) return undefined;
        const arg = (args[0] ?? {}) as Record<string, unknown>;
        result = await next(command, [{ ...arg, instruction: instruction.trim() }, ...args.slice(1)]);
      }
    } catch (err) {
      void this.reportError(command, err);
      return undefined;
    }
    void this.report(command, result as CommandResult);
    return result;
  }

  private askInstruction(): Thenable<string | undefined> {
    return vscode.window.showInputBox({
      title: 'Codex: Edit Selection',
      prompt: 'What should Codex do with the selected code?',
      placeHolder: 'e.g. use an f-string, add type hints, handle the empty case',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Describe the change'),
    });
  }

  /** Run a server command and report its result (unless `report` is false: the caller does). */
  private async run(
    command: string,
    arg: Record<string, unknown>,
    report = true,
  ): Promise<CommandResult | undefined> {
    try {
      const result = await this.server.execute<CommandResult>(command, arg);
      if (report) void this.report(command, result);
      return result;
    } catch (err) {
      void this.reportError(command, err);
      return undefined;
    }
  }

  private async report(command: string, result: CommandResult | undefined): Promise<void> {
    if (!result || typeof result !== 'object') return;
    const files = (result.changedFiles ?? []).join(', ');
    switch (result.status) {
      case 'failed': {
        const choice = await vscode.window.showErrorMessage(`Codex: ${result.error ?? 'the command failed'}`, 'Show Log');
        if (choice === 'Show Log') this.log.show();
        break;
      }
      case 'applied': {
        const choice = await vscode.window.showInformationMessage(
          `Codex: applied${files ? ` (${files})` : ''}.${saveAfterApplyEnabled() ? '' : ' Save to keep the change.'}`,
          'Undo Last Turn',
        );
        if (choice === 'Undo Last Turn') await vscode.commands.executeCommand(Commands.undo);
        break;
      }
      case 'rejected':
        vscode.window.setStatusBarMessage('Codex: edit rejected', 5000);
        break;
      case 'cancelled':
        vscode.window.setStatusBarMessage('Codex: cancelled', 5000);
        break;
      case 'answered':
        if ((command === ServerCommands.ask || command === ServerCommands.runTask) && result.text) {
          this.answersChannel.show(true);
        }
        break;
      default:
        break;
    }
  }

  private async reportError(command: string, err: unknown): Promise<void> {
    this.log.error(`${command}: ${errorText(err)}`);
    if (err instanceof ServerNotRunning) return; // the start failure was shown already
    const choice = await vscode.window.showErrorMessage(`Codex: ${errorText(err)}`, 'Show Log');
    if (choice === 'Show Log') this.log.show();
  }

  // ---- palette commands --------------------------------------------------------------

  private selection(requireFile = true): { uri: string; range: LspRange; editor: vscode.TextEditor } | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor || (requireFile && editor.document.uri.scheme !== 'file')) {
      void vscode.window.showWarningMessage('Codex: open a file and select some code first.');
      return undefined;
    }
    let range: vscode.Range = editor.selection;
    if (range.isEmpty) range = editor.document.lineAt(range.start.line).range;
    const client = this.server.languageClient;
    const uri = client ? client.code2ProtocolConverter.asUri(editor.document.uri) : editor.document.uri.toString();
    return { uri, range: lspRange(range), editor };
  }

  async editSelection(): Promise<void> {
    const sel = this.selection();
    if (!sel) return;
    // A `codex:` comment in the selection is the instruction; the server says when there is none.
    const arg = { uri: sel.uri, range: sel.range };
    const first = await this.run(ServerCommands.editSelection, arg, false);
    if (!needsInstruction(first)) return void this.report(ServerCommands.editSelection, first);
    const instruction = await this.askInstruction();
    if (instruction === undefined) return;
    await this.run(ServerCommands.editSelection, { ...arg, instruction: instruction.trim() });
  }

  async explainSelection(): Promise<void> {
    const sel = this.selection();
    if (!sel) return;
    await this.run(ServerCommands.explain, { uri: sel.uri, range: sel.range });
  }

  async ask(): Promise<void> {
    const prompt = await vscode.window.showInputBox({
      title: 'Codex: Ask',
      prompt: 'Ask about the code (the selection, if any, goes along)',
      ignoreFocusOut: true,
    });
    if (!prompt?.trim()) return;
    const arg: Record<string, unknown> = { prompt: prompt.trim() };
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.uri.scheme === 'file' && !editor.selection.isEmpty) {
      const sel = this.selection();
      if (sel) Object.assign(arg, { uri: sel.uri, range: sel.range });
    }
    this.answersChannel.show(true);
    await this.run(ServerCommands.ask, arg);
  }

  async runTask(): Promise<void> {
    const prompt = await vscode.window.showInputBox({
      title: 'Codex: Run Task',
      prompt: 'A task for the whole workspace (edits are reviewed before they are applied)',
      ignoreFocusOut: true,
    });
    if (!prompt?.trim()) return;
    this.answersChannel.show(true);
    await this.run(ServerCommands.runTask, { prompt: prompt.trim() });
  }

  async cancel(): Promise<void> {
    const result = await this.run(ServerCommands.cancel, {});
    const cancelled = (result?.cancelled as string[] | undefined) ?? [];
    vscode.window.setStatusBarMessage(
      cancelled.length ? `Codex: cancelled ${cancelled.length} turn(s)` : 'Codex: nothing to cancel',
      5000,
    );
  }

  async newThread(): Promise<void> {
    const result = await this.run(ServerCommands.newThread, {});
    if (result?.threadId) {
      this.answers.line(`\n── new thread ${result.threadId} ──`);
      vscode.window.setStatusBarMessage('Codex: new thread', 5000);
    }
  }

  async resumeThread(): Promise<void> {
    const list = await this.run(ServerCommands.listThreads, {});
    if (!list || list.status === 'failed') return;
    const threads = (list.threads as ThreadInfo[] | undefined) ?? [];
    if (threads.length === 0) {
      void vscode.window.showInformationMessage('Codex: no threads to resume yet.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      threads.map((t) => ({
        label: t.title || t.threadId,
        description: [t.current ? 'current' : '', sizeOf(t)].filter(Boolean).join(' · ') || undefined,
        detail: formatUpdated(t.updated),
        threadId: t.threadId,
      })),
      { title: 'Codex: Resume Thread', placeHolder: 'Pick a conversation to continue' },
    );
    if (!picked) return;
    const result = await this.run(ServerCommands.resumeThread, { threadId: picked.threadId });
    if (!result || result.status === 'failed') return;
    this.answers.line(`\n── resumed: ${picked.label} ──`);
    const history = result.history;
    if (Array.isArray(history)) {
      for (const m of history as { role?: string; text?: string }[]) {
        this.answers.line(`${m.role ?? '?'}: ${m.text ?? ''}`);
      }
    } else if (history !== undefined) {
      this.answers.line(typeof history === 'string' ? history : JSON.stringify(history, null, 2));
    }
    this.answersChannel.show(true);
    vscode.window.setStatusBarMessage(`Codex: resumed "${picked.label}"`, 5000);
  }

  async undo(): Promise<void> {
    const result = await this.run(ServerCommands.undo, {}, false);
    if (!result) return;
    if (result.status === 'failed') {
      void vscode.window.showWarningMessage(`Codex: ${result.error ?? 'nothing to undo'}`);
      return;
    }
    const files = result.changedFiles ?? [];
    void vscode.window.showInformationMessage(
      files.length ? `Codex: reverted ${files.join(', ')}. Save to keep it.` : 'Codex: nothing to undo.',
    );
  }

  async showStatus(): Promise<void> {
    if (!this.server.running) {
      const choice = await vscode.window.showWarningMessage(
        'Codex: the language server is not running.',
        'Restart Server',
        'Show Log',
      );
      if (choice === 'Restart Server') await this.server.restart();
      if (choice === 'Show Log') this.log.show();
      return;
    }
    const status = await this.run(ServerCommands.status, {});
    if (!status) return;
    this.answers.line(`\n── status ──\n${JSON.stringify(status, null, 2)}`);
    const config = (status.config ?? {}) as Record<string, any>;
    const provider = config.provider?.name ?? config.provider?.id ?? '?';
    const key = config.api_key_present ? 'API key found' : 'no API key';
    const running = Array.isArray(status.running) && status.running.length ? `, ${status.running.length} running` : '';
    const choice = await vscode.window.showInformationMessage(
      `codex-lsp ${String(status.version ?? '')}: model ${config.model ?? '?'} via ${provider}, ${key}${running}.`,
      'Show Details',
    );
    if (choice === 'Show Details') this.answersChannel.show(true);
  }
}

interface ThreadInfo {
  threadId: string;
  title?: string;
  updated?: unknown;
  current?: boolean;
  /** Protocol doc: number of turns; the server also sends `items` (history items). */
  turns?: number;
  items?: number;
}

function sizeOf(t: ThreadInfo): string {
  if (typeof t.turns === 'number') return `${t.turns} turn${t.turns === 1 ? '' : 's'}`;
  if (typeof t.items === 'number') return `${t.items} item${t.items === 1 ? '' : 's'}`;
  return '';
}

function formatUpdated(updated: unknown): string | undefined {
  if (typeof updated === 'number') {
    const ms = updated < 1e12 ? updated * 1000 : updated;
    return new Date(ms).toLocaleString();
  }
  return typeof updated === 'string' ? updated : undefined;
}
