/**
 * The "Codex" webview view: holds the view model (panel/model.ts), feeds it the
 * server's events and results, and turns the webview's messages into server
 * commands, edit decisions (approvalUi.ts) and setting writes.
 *
 * The state lives here, not in the webview, so it survives the view being hidden
 * or moved; the webview re-renders from the last update when it comes back. The prompt's
 * context chips are in attachments.ts, the saved copy for a reload in memory.ts.
 */

import * as vscode from 'vscode';

import { cardHunks, keptFromCard } from '../approval';
import type { ApproveCommandParams, ApproveEditParams, HunkRef } from '../approval';
import { Commands, ServerCommands, SETTINGS_SECTION, Settings } from '../constants';
import { dispatchEvent } from '../events';
import type { SomeEvents, TurnFinishedEvent, TurnStatus } from '../events';
import type { EditReviewer } from '../approvalUi';
import type { CodexServer } from '../server';
import { errorText } from '../server';
import type { FromWebview, PanelSettings, ToWebview } from './messages';
import {
  Action,
  CodexEvent,
  chipLabel,
  Decision,
  initialState,
  PanelState,
  promptContext,
  reduce,
  ThreadRow,
  TranscriptEntry,
  UserInputParams,
  UserInputResult,
  userInputResult,
} from './model';
import { ContextChips, imageThumb, openFiles } from './attachments';
import { ImageAttachment, imageArgs } from './images';
import { ViewMemory } from './memory';
import { pageHtml } from './page';

export const VIEW_ID = 'codex-lsp.conversation';

interface Result {
  status?: string;
  threadId?: string | null;
  error?: string;
  text?: string;
  [key: string]: unknown;
}

export class CodexPanel implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private state: PanelState;
  private readonly context: ContextChips;
  private readonly memory: ViewMemory;
  private threads: ThreadRow[] | null = null;
  private effectiveModel = '';
  private counter = 0;
  private pending = new Map<string, (d: Decision) => void>();
  /** Question card id -> the open `codex/requestUserInput`'s answer. */
  private readonly questions = new Map<string, (answers: Record<string, string> | null) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** The restored thread is not loaded in this server yet: resume it before the next prompt. */
  private resumeFirst: boolean;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly server: CodexServer,
    private readonly reviewer: EditReviewer,
    private readonly log: vscode.LogOutputChannel,
    memento: vscode.Memento,
  ) {
    this.memory = new ViewMemory(memento, log, () => this.state);
    this.state = this.memory.saved ?? initialState();
    this.resumeFirst = (this.memory.saved?.threadId ?? null) !== null;
    this.context = new ContextChips(server, () => this.post());
    this.disposables.push(
      this.context,
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(SETTINGS_SECTION) && this.post()),
    );
  }

  /** Shown, so approvals and reviews can be answered in it. */
  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = { enableScripts: true, localResourceRoots: [media, dist] };
    view.webview.html = pageHtml({
      cspSource: view.webview.cspSource,
      script: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      style: view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
      codicons: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
    });
    view.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m).catch((e) => this.fail(e)));
    view.onDidChangeVisibility(() => view.visible && this.post());
    view.onDidDispose(() => (this.view = undefined));
    this.context.refresh();
  }

  // ---- fed by extension.ts -----------------------------------------------------------

  handleEvent(event: CodexEvent): void {
    dispatchEvent(this.hostHandlers, event);
    this.dispatch({ type: 'event', event });
  }

  /** What the host itself does on some events (the model handles every kind). */
  private readonly hostHandlers: SomeEvents = {
    approvalWithdrawn: (e) => {
      if (e.kind === 'command') this.withdrawCommands();
    },
  };

  /** The server gave up waiting for the pending command approvals. */
  private withdrawCommands(): void {
    for (const [id, resolve] of this.pending) {
      resolve('reject');
      this.dispatch({ type: 'approvalDecided', id, decision: 'withdrawn' });
    }
    this.pending.clear();
  }

  setServerState(state: PanelState['server'], message?: string): void {
    this.dispatch({ type: 'server', state, message });
  }

  setEffectiveModel(model: string): void {
    this.effectiveModel = model;
    this.post();
  }

  /** `codex/approveEdit` while the view is shown: a card, decided there (or in the diff editor). */
  async reviewEdit(params: ApproveEditParams, token: vscode.CancellationToken): Promise<unknown> {
    const id = `edit${++this.counter}`;
    const files = params.files.map((f) => ({ path: f.path, kind: f.kind }));
    this.memory.proposals.set(id, params);
    const hunks = cardHunks(params);
    this.dispatch({ type: 'proposal', id, proposal: { title: params.title, summary: params.summary, files, hunks } });
    void this.reveal();
    const answer = await this.reviewer.review(params, token, true).finally(() => this.memory.proposals.delete(id));
    this.dispatch({ type: 'proposalDecided', id, decision: token.isCancellationRequested ? 'withdrawn' : answer.decision });
    return answer;
  }

  /** `codex/approveCommand` while the view is shown: Run / Run always / Deny in the conversation. */
  approveCommand(params: ApproveCommandParams): Promise<{ decision: Decision }> {
    const id = `cmd${++this.counter}`;
    this.dispatch({ type: 'approval', id, request: params as ApproveCommandParams & { kind?: string } });
    void this.reveal();
    return new Promise((resolve) => this.pending.set(id, (decision) => resolve({ decision })));
  }

  /**
   * `codex/requestUserInput`: the model's questions as a card in the conversation, answered
   * there (null: dismissed, or the server withdrew the request).
   */
  async requestUserInput(params: UserInputParams, token: vscode.CancellationToken): Promise<UserInputResult> {
    const id = `ask${++this.counter}`;
    this.dispatch({ type: 'questions', id, request: params });
    if (!this.visible) await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    const answers = await new Promise<Record<string, string> | null>((resolve) => {
      this.questions.set(id, resolve);
      token.onCancellationRequested(() => resolve(null));
    });
    this.questions.delete(id);
    this.dispatch({ type: 'questionsDecided', id, answers, withdrawn: token.isCancellationRequested });
    return userInputResult(answers);
  }

  // ---- the webview's messages ----------------------------------------------------------

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.post();
      case 'send':
        return this.send(m.text, m.images ?? []);
      case 'readImage':
        return this.postMessage(await imageThumb(m.id, m.uri));
      case 'warn':
        return this.dispatch({ type: 'notice', level: 'warning', text: m.text });
      case 'stop':
        await this.run(ServerCommands.cancel, this.state.threadId ? { threadId: this.state.threadId } : {});
        return;
      case 'removeChip':
        return this.context.remove(m.id);
      case 'mention':
        return this.postMessage({ type: 'mentions', files: openFiles(m.query) });
      case 'addFile':
        return this.context.addFile(m.uri);
      case 'newThread':
        return this.newThread();
      case 'showThreads':
        return this.showThreads(m.show);
      case 'resume':
        return this.resume(m.threadId);
      case 'undo':
        return this.undo();
      case 'review':
        if (this.memory.isRestored(m.id)) {
          void vscode.window.showInformationMessage('Codex: this change was proposed before the window reloaded; Apply writes it into the editor if the files are unchanged.');
          return;
        }
        return this.reviewer.showDiffs();
      case 'hunk':
        return this.dispatch({ type: 'hunkChoice', id: m.id, hunk: m.hunk, kept: m.kept });
      case 'decideEdit': {
        const kept = m.decision === 'reject' ? undefined : this.keptHunks(m.id);
        if (this.memory.isRestored(m.id)) return this.dispatch(await this.memory.decideRestored(m.id, m.decision, kept));
        if (kept) return this.reviewer.decideHunks(kept);
        return this.reviewer.decide(m.decision);
      }
      case 'answerQuestions':
        return this.questions.get(m.id)?.(m.answers);
      case 'decideCommand':
        this.pending.get(m.id)?.(m.decision);
        this.pending.delete(m.id);
        return this.dispatch({ type: 'approvalDecided', id: m.id, decision: m.decision });
      case 'setting':
        await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(settingKey(m.key), m.value, vscode.ConfigurationTarget.Global);
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        vscode.window.setStatusBarMessage('Codex: copied', 2000);
        return;
      case 'restart':
        await this.server.restart();
        return;
      case 'showLog':
        return this.log.show();
      case 'signIn':
        await vscode.commands.executeCommand(Commands.signIn);
        return;
      case 'openSettings':
        await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:codex-lsp.codex-lsp');
        return;
    }
  }

  private async send(text: string, images: ImageAttachment[]): Promise<void> {
    if (!text.trim() || this.state.busy) return;
    const chips = this.context.take();
    this.dispatch({ type: 'prompt', text: text.trim(), chips: [...chips.map(chipLabel), ...images.map((i) => i.name)] });
    const arg: Record<string, unknown> = { prompt: text.trim() };
    if (chips.length) arg.context = promptContext(chips);
    if (images.length) arg.images = imageArgs(images, (uri) => this.context.wireUri(vscode.Uri.parse(uri)));
    if (this.state.threadId && this.resumeFirst) {
      await this.run(ServerCommands.resumeThread, { threadId: this.state.threadId });
      this.resumeFirst = false;
    }
    if (this.state.threadId) arg.threadId = this.state.threadId;
    if (chips[0]) arg.uri = chips[0].uri;
    const result = await this.run(ServerCommands.runTask, arg);
    if (result?.threadId) this.state = { ...this.state, threadId: result.threadId };
    if (result && this.state.busy && result.status !== 'failed') {
      const status = (result.status ?? 'answered') as TurnStatus;
      const event: TurnFinishedEvent = { type: 'turnFinished', threadId: this.state.threadId ?? '', status, text: result.text ?? '', error: null, changedFiles: [] };
      this.dispatch({ type: 'event', event });
    }
  }

  /** The hunks kept on card `id` when some were rejected there (else undefined: all). */
  private keptHunks(id: string): HunkRef[] | undefined {
    const card = this.state.items.find((i) => i.id === id);
    return card?.kind === 'change' && card.hunks ? keptFromCard(card.hunks) : undefined;
  }

  private async newThread(): Promise<void> {
    const result = await this.run(ServerCommands.newThread, {});
    if (result) this.dispatch({ type: 'reset', threadId: result.threadId ?? null });
    this.threads = null;
    this.post();
  }

  private async showThreads(show: boolean): Promise<void> {
    if (!show) {
      this.threads = null;
      return this.post();
    }
    const result = await this.run(ServerCommands.listThreads, {});
    this.threads = (result?.threads as ThreadRow[] | undefined) ?? [];
    this.post();
  }

  private async resume(threadId: string): Promise<void> {
    const result = await this.run(ServerCommands.resumeThread, { threadId });
    if (!result) return;
    this.threads = null;
    const transcript = (result.transcript as TranscriptEntry[] | undefined) ??
      ((result.history as { role: string; text: string }[] | undefined) ?? []).map((h) => ({ kind: h.role, text: h.text }));
    this.dispatch({ type: 'reset', threadId: result.threadId ?? threadId, transcript });
  }

  private async undo(): Promise<void> {
    const result = await this.run(ServerCommands.undo, this.state.threadId ? { threadId: this.state.threadId } : {});
    if (!result) return;
    const files = ((result.changedFiles as string[] | undefined) ?? []).join(', ');
    this.dispatch({ type: 'notice', text: files ? `Undid the last turn: reverted ${files}. Save to keep.` : 'Nothing to undo.' });
  }

  /** Run a server command; a failure becomes an error row in the conversation. */
  private async run(command: string, arg: Record<string, unknown>): Promise<Result | undefined> {
    try {
      const result = await this.server.execute<Result>(command, arg);
      if (result?.status === 'failed') this.dispatch({ type: 'failed', error: result.error ?? `${command} failed` });
      return result?.status === 'failed' ? undefined : result;
    } catch (err) {
      this.fail(err);
      return undefined;
    }
  }

  private fail(err: unknown): void {
    this.log.error(`Codex view: ${errorText(err)}`);
    this.dispatch({ type: 'failed', error: errorText(err) });
  }

  // ---- posting ------------------------------------------------------------------------------

  private dispatch(action: Action): void {
    this.state = reduce(this.state, action);
    if (action.type === 'reset') this.resumeFirst = false;
    this.post();
    this.memory.save();
  }

  private async reveal(): Promise<void> {
    if (this.view && !this.view.visible) this.view.show(true);
  }

  /** Post the whole state, at most every 50 ms (text streams in at up to 20 events a second). */
  private post(): void {
    if (this.timer || !this.view) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.postMessage({
        type: 'update',
        state: this.state,
        chips: [...this.context.chips],
        settings: this.settings(),
        threads: this.threads,
      });
    }, 50);
  }

  private async postMessage(message: ToWebview): Promise<void> {
    await this.view?.webview.postMessage(message);
  }

  private settings(): PanelSettings {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    return {
      model: config.get<string>(Settings.model) ?? '',
      reasoningEffort: config.get<string>(Settings.reasoningEffort) ?? '',
      approvalPolicy: config.get<string>(Settings.approvalPolicy) ?? '',
      effectiveModel: this.effectiveModel,
      saveAfterApply: config.get<boolean>(Settings.saveAfterApply) === true,
    };
  }

  dispose(): void {
    for (const resolve of this.pending.values()) resolve('reject');
    this.pending.clear();
    for (const resolve of this.questions.values()) resolve(null);
    if (this.timer) clearTimeout(this.timer);
    this.disposables.forEach((d) => d.dispose());
  }
}

function settingKey(key: 'model' | 'reasoningEffort' | 'approvalPolicy'): string {
  return Settings[key];
}
