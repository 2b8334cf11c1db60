/**
 * The messages between the Codex view's host (panel/host.ts) and its webview
 * script (webview/main.ts). Types only.
 */

import type { ImageAttachment } from './images';
import type { Chip, Decision, PanelState, ThreadRow } from './model';

export interface PanelSettings {
  model: string;
  reasoningEffort: string;
  approvalPolicy: string;
  /** The model the server runs (`codex.status`), shown when the setting is empty. */
  effectiveModel: string;
  /** `codex.saveAfterApply`: an applied change is saved, not left "save to keep". */
  saveAfterApply: boolean;
}

/** Host -> webview: everything the view shows. */
export interface ViewUpdate {
  type: 'update';
  state: PanelState;
  chips: Chip[];
  settings: PanelSettings;
  threads: ThreadRow[] | null;
}

export interface MentionResults {
  type: 'mentions';
  files: { path: string; uri: string }[];
}

/** The host read a dropped image file for its chip (no `dataUrl`: it could not). */
export interface ImageThumb {
  type: 'thumb';
  id: string;
  dataUrl?: string;
  error?: string;
}

export type ToWebview = ViewUpdate | MentionResults | ImageThumb | { type: 'focusPrompt' };

/** Webview -> host. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'send'; text: string; images?: ImageAttachment[] }
  | { type: 'readImage'; id: string; uri: string }
  | { type: 'warn'; text: string }
  | { type: 'stop' }
  | { type: 'removeChip'; id: string }
  | { type: 'mention'; query: string }
  | { type: 'addFile'; uri: string }
  | { type: 'newThread' }
  | { type: 'showThreads'; show: boolean }
  | { type: 'resume'; threadId: string }
  | { type: 'undo' }
  | { type: 'review'; id: string }
  | { type: 'decideEdit'; id: string; decision: Decision }
  | { type: 'hunk'; id: string; hunk: number; kept: boolean }
  | { type: 'decideCommand'; id: string; decision: Decision }
  /** The user's answers to a question card (null: dismissed). */
  | { type: 'answerQuestions'; id: string; answers: Record<string, string> | null }
  | { type: 'setting'; key: 'model' | 'reasoningEffort' | 'approvalPolicy'; value: string }
  | { type: 'copy'; text: string }
  | { type: 'restart' }
  | { type: 'showLog' }
  | { type: 'signIn' }
  | { type: 'openSettings' };
