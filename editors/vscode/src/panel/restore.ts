/**
 * The Codex view across a window reload or restart: what is saved (the conversation and
 * the proposals of its pending change cards) and how it comes back. The server that asked
 * for a pending review is gone after a reload, so a restored card is decided here: Apply
 * writes the proposal into the editor if the files still hold what it was made from.
 *
 * Pure (no `vscode` import): unit-tested in plain Node; host.ts stores and applies.
 */

import { applyHunks, ApproveEditParams, Hunk, splitLinesKeepEnds } from '../approval';
import { Item, PanelState } from './model';

/** The workspace-state key the view is saved under. */
export const SAVED_VIEW_KEY = 'codex-lsp.view';

export interface SavedView {
  version: 1;
  state: PanelState;
  /** Change card id -> the `codex/approveEdit` it shows, for cards still pending. */
  proposals: Record<string, ApproveEditParams>;
}

/** What to save: the state as shown, and the proposals of pending cards. */
export function toSaved(state: PanelState, proposals: ReadonlyMap<string, ApproveEditParams>): SavedView {
  const pending = new Set(state.items.filter((i) => i.kind === 'change' && i.state === 'pending').map((i) => i.id));
  return { version: 1, state, proposals: Object.fromEntries([...proposals].filter(([id]) => pending.has(id))) };
}

/**
 * The state a restored view starts from: no turn running (the old server is gone), text
 * no longer streaming, running tools failed, command approvals withdrawn, questions
 * dismissed; a pending card
 * stays pending only if its proposal was saved.
 */
export function restoredState(saved: unknown): { state: PanelState; proposals: Map<string, ApproveEditParams> } | undefined {
  if (!isSavedView(saved)) return undefined;
  const proposals = new Map(Object.entries(saved.proposals));
  const items = saved.state.items.map((item): Item => {
    const rev = item.rev + 1;
    switch (item.kind) {
      case 'assistant':
      case 'reasoning':
        return { ...item, rev, streaming: false };
      case 'tool':
        return item.state === 'running' ? { ...item, rev, state: 'failed', detail: `${item.detail} (stopped)` } : item;
      case 'approval':
        return item.state === 'pending' ? { ...item, rev, state: 'withdrawn' } : item;
      case 'question':
        return item.state === 'pending' ? { ...item, rev, state: 'dismissed' } : item;
      case 'change':
        return item.state === 'pending' && !proposals.has(item.id) ? { ...item, rev, state: 'withdrawn' } : item;
      default:
        return item;
    }
  });
  return { state: { ...saved.state, items, busy: false, server: 'starting', serverMessage: '' }, proposals };
}

function isSavedView(value: unknown): value is SavedView {
  const v = value as Partial<SavedView> | undefined;
  return !!v && v.version === 1 && !!v.state && Array.isArray(v.state.items) && typeof v.proposals === 'object' && v.proposals !== null;
}

/** `current` with every hunk applied, or undefined if any hunk no longer matches (stale). */
export function applyAllHunks(current: string, hunks: readonly Hunk[]): string | undefined {
  const lines = splitLinesKeepEnds(current).map((l) => l.replace(/\r?\n$/, ''));
  for (const h of hunks) {
    const at = lines.slice(h.oldStart, h.oldStart + h.oldLines.length);
    if (at.length !== h.oldLines.length || at.some((l, i) => l !== h.oldLines[i].replace(/\r?\n$/, ''))) return undefined;
  }
  return applyHunks(current, hunks, new Set(hunks.map((h) => h.index)));
}
