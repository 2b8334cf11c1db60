/**
 * The Codex view's copy in the workspace state, for a window reload or restart: saved at
 * most every 300 ms, read back once (restore.ts says what is kept). Apart from the host
 * because it owns the change cards' proposals: the live ones are saved with the view, and
 * the restored ones, whose server is gone, are decided here.
 */

import type * as vscode from 'vscode';

import type { ApproveEditParams, HunkRef } from '../approval';
import { errorText } from '../server';
import type { Action, Decision, PanelState } from './model';
import { applyRestored } from './restoredEdit';
import { restoredState, SAVED_VIEW_KEY, toSaved } from './restore';

export class ViewMemory {
  /** The saved state, if a view was saved: where the view starts from. */
  readonly saved: PanelState | undefined;
  /** Change card id -> its `codex/approveEdit`, while pending (saved with the view). */
  readonly proposals = new Map<string, ApproveEditParams>();
  /** Pending cards restored after a reload: their server is gone, so they are decided here. */
  private readonly restored: Map<string, ApproveEditParams>;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly memory: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    private readonly current: () => PanelState,
  ) {
    const saved = restoredState(memory.get(SAVED_VIEW_KEY));
    this.saved = saved?.state;
    this.restored = saved?.proposals ?? new Map();
  }

  /** Card `id` was restored after a reload (and is not decided yet). */
  isRestored(id: string): boolean {
    return this.restored.has(id);
  }

  /** Apply or reject a card restored after a reload: the action that settles its card. */
  async decideRestored(id: string, decision: Decision, kept?: HunkRef[]): Promise<Action> {
    const params = this.restored.get(id);
    this.restored.delete(id);
    if (!params || decision === 'reject' || kept?.length === 0) return { type: 'cardSettled', id, state: 'rejected' };
    const problem = await applyRestored(params, kept);
    return problem ? { type: 'cardSettled', id, state: 'stale', detail: problem } : { type: 'cardSettled', id, state: 'applied' };
  }

  /** Save the current view, at most every 300 ms. */
  save(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      const proposals = new Map([...this.restored, ...this.proposals]);
      void Promise.resolve(this.memory.update(SAVED_VIEW_KEY, toSaved(this.current(), proposals))).catch((e) => this.log.warn(`could not save the Codex view: ${errorText(e)}`));
    }, 300);
  }
}
