/**
 * Edit review in VS Code's diff editor (`codex/approveEdit`) and the command
 * prompt (`codex/approveCommand`).
 *
 * Each proposed file opens as `vscode.diff(current, proposed)`: the left side is
 * the live document (or an empty virtual one for a new file), the right side a
 * virtual `codex-proposed:` document served by {@link ProposedContentProvider}.
 * The decision comes from whichever the user uses first: the notification's
 * buttons, the Apply / Reject buttons in the diff editor's title bar, or closing
 * every diff of the review (= reject). Reviews are shown one at a time.
 */

import * as vscode from 'vscode';

import {
  applyHunks,
  ApproveCommandParams,
  ApproveEditAnswer,
  ApproveEditParams,
  buildAnswer,
  Decision,
  describeHunk,
  describeWholeFile,
  formatCommand,
  HunkRef,
  keptIndices,
  offersHunkChoice,
  ProposedFile,
  WHOLE_FILE,
  withTexts,
} from './approval';
import { PROPOSED_SCHEME, REVIEWING_CONTEXT } from './constants';

/** Serves proposed file contents to the diff editor. */
export class ProposedContentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly docs = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  set(uri: vscode.Uri, text: string): void {
    this.docs.set(uri.toString(), text);
    this.emitter.fire(uri);
  }

  delete(uri: vscode.Uri): void {
    this.docs.delete(uri.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.docs.clear();
    this.emitter.dispose();
  }
}

export const APPLY = 'Apply';
export const CHOOSE_HUNKS = 'Choose Hunks…';
export const APPLY_FOR_SESSION = 'Apply for Session';
export const REJECT = 'Reject';
export const RUN = 'Run';
export const RUN_FOR_SESSION = 'Run Always (This Session)';

type Outcome =
  | { kind: 'decision'; decision: Decision }
  | { kind: 'kept'; kept: HunkRef[] }
  | { kind: 'chooseHunks' }
  | { kind: 'closed' };

interface DiffPair {
  left: vscode.Uri;
  right: vscode.Uri;
  title: string;
}

export class EditReviewer implements vscode.Disposable {
  private readonly provider = new ProposedContentProvider();
  private readonly disposables: vscode.Disposable[] = [];
  private counter = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** Resolves the review being shown (title-bar buttons and commands). */
  private current: ((decision: Decision) => void) | undefined;
  /** Resolves the review being shown with a per-hunk choice (the Codex view's card). */
  private currentKept: ((kept: HunkRef[]) => void) | undefined;
  /** Ends the review being shown without an answer (the server withdrew it). */
  private withdrawCurrent: (() => void) | undefined;
  /** Opens the diffs of the review being shown (the Codex view's "Review" button). */
  private openCurrent: (() => Promise<void>) | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, this.provider),
      this.provider,
    );
  }

  /** The title-bar Apply / Reject buttons (and their palette commands). */
  decide(decision: Decision): void {
    if (this.current) {
      this.current(decision);
    } else {
      void vscode.window.showInformationMessage('Codex: no edit is waiting for review.');
    }
  }

  /** The card's Apply with some hunks rejected: apply only the kept ones. */
  decideHunks(kept: HunkRef[]): void {
    if (this.currentKept) this.currentKept(kept);
    else void vscode.window.showInformationMessage('Codex: no edit is waiting for review.');
  }

  /** The server withdrew its question (`approvalWithdrawn` event, timeout): close the review. */
  withdraw(): void {
    this.withdrawCurrent?.();
  }

  /** Open the diff editor for the review being shown. */
  async showDiffs(): Promise<void> {
    if (this.openCurrent) await this.openCurrent();
    else void vscode.window.showInformationMessage('Codex: no edit is waiting for review.');
  }

  /**
   * Handle `codex/approveEdit`; reviews queue up behind each other. `inline`: the Codex
   * view shows the change as a card with Review / Apply / Reject, so the diff opens on
   * "Review" only, no notification is shown and closing the diff does not reject.
   */
  review(params: ApproveEditParams, token: vscode.CancellationToken, inline = false): Promise<ApproveEditAnswer> {
    const run = this.queue.then(() => this.reviewNow(params, token, inline));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reviewNow(
    params: ApproveEditParams,
    token: vscode.CancellationToken,
    inline: boolean,
  ): Promise<ApproveEditAnswer> {
    if (token.isCancellationRequested) {
      return { decision: 'reject' };
    }
    const id = ++this.counter;
    params = { ...params, files: await Promise.all(params.files.map((f) => this.completeTexts(f))) };
    const pairs = params.files.map((f) => this.diffPair(id, f));
    const opened: vscode.Uri[] = [];
    const listeners: vscode.Disposable[] = [];
    const openDiffs = async () => {
      for (const pair of pairs) {
        try {
          await vscode.commands.executeCommand('vscode.diff', pair.left, pair.right, pair.title, {
            preview: false,
          });
          if (!opened.some((u) => u.toString() === pair.right.toString())) opened.push(pair.right);
        } catch (err) {
          // The notification (or the card) still shows the summary and the buttons.
          this.log.warn(`review #${id}: could not open the diff for ${pair.title}: ${String(err)}`);
        }
      }
    };
    try {
      this.openCurrent = openDiffs;
      if (!inline) await openDiffs();
      await vscode.commands.executeCommand('setContext', REVIEWING_CONTEXT, true);
      this.log.info(`review #${id}: ${params.title}: ${params.summary}`);

      while (true) {
        const outcome = await this.waitForOutcome(params, opened, token, listeners, inline);
        if (outcome.kind === 'closed') {
          this.log.info(`review #${id}: diff closed or request withdrawn -> reject`);
          return { decision: 'reject' };
        }
        if (outcome.kind === 'decision') {
          this.log.info(`review #${id}: ${outcome.decision}`);
          return buildAnswer(outcome.decision, params);
        }
        if (outcome.kind === 'kept') {
          const answer = buildAnswer('approve', params, outcome.kept);
          this.log.info(`review #${id}: hunks from the card ${JSON.stringify(answer)}`);
          return answer;
        }
        const kept = await this.pickHunks(params, pairs);
        if (kept !== undefined) {
          const answer = buildAnswer('approve', params, kept);
          this.log.info(`review #${id}: hunks ${JSON.stringify(answer)}`);
          return answer;
        }
        // QuickPick dismissed: ask again.
      }
    } finally {
      listeners.forEach((d) => d.dispose());
      this.current = undefined;
      this.currentKept = undefined;
      this.withdrawCurrent = undefined;
      this.openCurrent = undefined;
      await vscode.commands.executeCommand('setContext', REVIEWING_CONTEXT, false);
      await this.closeDiffs(opened);
      for (const pair of pairs) {
        if (pair.left.scheme === PROPOSED_SCHEME) this.provider.delete(pair.left);
        this.provider.delete(pair.right);
      }
    }
  }

  /** An update comes without its texts: take the document's and apply the hunks to it. */
  private async completeTexts(file: ProposedFile): Promise<ProposedFile> {
    if (file.kind !== 'update' || file.newText !== null) return file;
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(file.uri));
      return withTexts(file, doc.getText());
    } catch (err) {
      this.log.warn(`could not read ${file.path} to show the proposed edit: ${String(err)}`);
      return withTexts(file, '');
    }
  }

  private diffPair(id: number, file: ProposedFile): DiffPair {
    const proposed = (label: string) =>
      vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${id}/${label}/${file.path}` });
    const right = proposed('proposed');
    this.provider.set(right, file.newText ?? '');
    let left: vscode.Uri;
    if (file.kind === 'add' || file.oldText === null) {
      left = proposed('empty');
      this.provider.set(left, '');
    } else {
      left = vscode.Uri.parse(file.uri);
    }
    const verb = { add: 'new file', update: 'proposed edit', delete: 'delete' }[file.kind];
    const target = file.moveTo ? ` → ${vscode.workspace.asRelativePath(vscode.Uri.parse(file.moveTo))}` : '';
    return { left, right, title: `${file.path}${target} (Codex: ${verb})` };
  }

  private waitForOutcome(
    params: ApproveEditParams,
    opened: vscode.Uri[],
    token: vscode.CancellationToken,
    listeners: vscode.Disposable[],
    inline: boolean,
  ): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let done = false;
      const finish = (o: Outcome) => {
        if (!done) {
          done = true;
          resolve(o);
        }
      };
      this.current = (decision) => finish({ kind: 'decision', decision });
      this.currentKept = (kept) => finish({ kind: 'kept', kept });
      this.withdrawCurrent = () => finish({ kind: 'closed' });
      listeners.push(token.onCancellationRequested(() => finish({ kind: 'closed' })));
      if (inline) return; // the card decides; its diffs are just a view
      listeners.push(
        vscode.window.tabGroups.onDidChangeTabs(() => {
          if (opened.length > 0 && !opened.some((uri) => this.findTabs(uri).length > 0)) {
            finish({ kind: 'closed' });
          }
        }),
      );
      const buttons = [APPLY, ...(offersHunkChoice(params) ? [CHOOSE_HUNKS] : []), APPLY_FOR_SESSION, REJECT];
      void vscode.window.showInformationMessage(`${params.title}: ${params.summary}`, ...buttons).then((choice) => {
        if (choice === APPLY) finish({ kind: 'decision', decision: 'approve' });
        else if (choice === APPLY_FOR_SESSION) finish({ kind: 'decision', decision: 'approveForSession' });
        else if (choice === REJECT) finish({ kind: 'decision', decision: 'reject' });
        else if (choice === CHOOSE_HUNKS) finish({ kind: 'chooseHunks' });
        // Dismissed: the diff editor's title-bar buttons still decide.
      });
    });
  }

  /**
   * Multi-select of every hunk (and every file without hunks), all kept to start with;
   * the diff editors preview the choice as it changes. Undefined if dismissed.
   */
  private pickHunks(params: ApproveEditParams, pairs: DiffPair[]): Promise<HunkRef[] | undefined> {
    type Item = vscode.QuickPickItem & { ref: HunkRef };
    const items: Item[] = [];
    for (const file of params.files) {
      const hunks = file.hunks ?? [];
      if (hunks.length === 0) {
        items.push({ ...describeWholeFile(file), ref: { uri: file.uri, index: WHOLE_FILE } });
      }
      for (const hunk of hunks) {
        items.push({ ...describeHunk(file, hunk), ref: { uri: file.uri, index: hunk.index } });
      }
    }
    const preview = (kept: readonly HunkRef[]) => {
      params.files.forEach((file, i) => {
        const keep = keptIndices(file, kept);
        let text = file.newText ?? '';
        if (file.hunks?.length && file.oldText !== null) {
          text = applyHunks(file.oldText, file.hunks, keep);
        } else if (!keep.has(WHOLE_FILE)) {
          text = file.oldText ?? '';
        }
        this.provider.set(pairs[i].right, text);
      });
    };
    return new Promise((resolve) => {
      const pick = vscode.window.createQuickPick<Item>();
      pick.title = `${params.title}: choose the hunks to apply`;
      pick.placeholder = 'Unchecked hunks are left out (the diff shows the result)';
      pick.canSelectMany = true;
      pick.ignoreFocusOut = true;
      pick.matchOnDetail = true;
      pick.items = items;
      pick.selectedItems = items;
      let accepted = false;
      pick.onDidChangeSelection((selected) => preview(selected.map((i) => i.ref)));
      pick.onDidAccept(() => {
        accepted = true;
        resolve(pick.selectedItems.map((i) => i.ref));
        pick.hide();
      });
      pick.onDidHide(() => {
        if (!accepted) {
          preview(items.map((i) => i.ref)); // back to the whole proposal
          resolve(undefined);
        }
        pick.dispose();
      });
      pick.show();
    });
  }

  private findTabs(proposed: vscode.Uri): vscode.Tab[] {
    const tabs: vscode.Tab[] = [];
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        if (input instanceof vscode.TabInputTextDiff && input.modified.toString() === proposed.toString()) {
          tabs.push(tab);
        }
      }
    }
    return tabs;
  }

  private async closeDiffs(opened: vscode.Uri[]): Promise<void> {
    const tabs = opened.flatMap((uri) => this.findTabs(uri));
    if (tabs.length > 0) {
      try {
        await vscode.window.tabGroups.close(tabs, true);
      } catch (err) {
        this.log.warn(`closing review tabs: ${String(err)}`);
      }
    }
  }

  dispose(): void {
    this.current?.('reject');
    this.disposables.forEach((d) => d.dispose());
  }
}

/** `codex/approveCommand`: a modal with the command and its working folder. */
export async function approveCommand(params: ApproveCommandParams): Promise<{ decision: Decision }> {
  const reason = params.reason ? `\n\n${params.reason}` : '';
  const choice = await vscode.window.showWarningMessage(
    'Codex wants to run a command',
    { modal: true, detail: `$ ${formatCommand(params.command)}\n\nin ${params.cwd}${reason}` },
    RUN,
    RUN_FOR_SESSION,
  );
  if (choice === RUN) return { decision: 'approve' };
  if (choice === RUN_FOR_SESSION) return { decision: 'approveForSession' };
  return { decision: 'reject' };
}
