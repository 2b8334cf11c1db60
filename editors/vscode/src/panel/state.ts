/**
 * The Codex view's state: the conversation's items (messages, tool rows, change, approval
 * and question cards), the actions that change it and the shapes the server sends for it.
 *
 * Pure types and constructors (no `vscode`, no DOM): shared by the reducer (panel/model.ts),
 * the host, the webview script and the saved view (panel/restore.ts).
 */

import type { CardHunk } from '../approval';
import type { CodexEvent } from '../events';

export type ServerState = 'starting' | 'ready' | 'noAuth' | 'crashed' | 'stopped';
export type Decision = 'approve' | 'approveForSession' | 'reject';

/** Context attached to a prompt (removable before sending). */
export interface Chip {
  id: string;
  kind: 'file' | 'selection';
  /** Workspace-relative path. */
  path: string;
  uri: string;
  /** 1-based, for selections. */
  startLine?: number;
  endLine?: number;
  text?: string;
  /** The selection as an LSP range (0-based), for selections. */
  range?: LspRange;
}

export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface PlanStep {
  step: string;
  status: string;
}

interface Base {
  id: string;
  /** Bumped on every change: the webview re-renders only items whose rev moved. */
  rev: number;
}

export type Item = Base &
  (
    | { kind: 'user'; text: string; chips: string[] }
    | { kind: 'assistant'; text: string; streaming: boolean }
    | { kind: 'reasoning'; text: string; streaming: boolean }
    | { kind: 'plan'; steps: PlanStep[]; explanation: string | null }
    | {
        kind: 'tool';
        callId: string;
        name: string;
        detail: string;
        state: 'running' | 'ok' | 'failed';
        output?: string;
        exitCode?: number | null;
      }
    | {
        kind: 'change';
        callId: string;
        title: string;
        summary: string;
        files: { path: string; kind: string }[];
        hunks?: CardHunk[];
        state: 'pending' | 'approved' | 'applied' | 'rejected' | 'stale' | 'withdrawn';
        detail?: string;
      }
    | {
        kind: 'approval';
        action: 'shell' | 'mcp';
        command: string;
        cwd: string;
        reason: string | null;
        state: 'pending' | Decision | 'withdrawn';
      }
    | { kind: 'notice'; level: string; text: string }
    | {
        kind: 'question';
        callId: string;
        questions: Question[];
        /** withdrawn: the server stopped waiting (no answer in time, the turn ended). */
        state: 'pending' | 'answered' | 'dismissed' | 'withdrawn';
        /** Question id -> the answer given (an option's label or typed text). */
        answers: Record<string, string>;
      }
  );

/** One of the model's `request_user_input` questions (`codex/requestUserInput`). */
export interface Question {
  id: string;
  header: string;
  question: string;
  options: { label: string; description: string }[];
}

/** `codex/requestUserInput` params. */
export interface UserInputParams {
  threadId: string;
  callId: string;
  questions: Question[];
}

/** `codex/requestUserInput` result: the answers by question id, or null (dismissed). */
export type UserInputResult = { answers: Record<string, { answers: string[] }> } | null;

/** The answers given (blank ones left out, as unanswered), or null when dismissed. */
export function userInputResult(answers: Record<string, string> | null): UserInputResult {
  if (answers === null) return null;
  const given = Object.entries(answers).filter(([, text]) => text.trim());
  return { answers: Object.fromEntries(given.map(([id, text]) => [id, { answers: [text.trim()] }])) };
}

export interface PanelState {
  server: ServerState;
  serverMessage: string;
  /** `authRequired` offered "Sign in with ChatGPT" (else: set an API key). */
  signInAction: boolean;
  items: Item[];
  busy: boolean;
  threadId: string | null;
  nextId: number;
}

export interface ProposalInfo {
  title: string;
  summary: string;
  files: { path: string; kind: string }[];
  /** Per-hunk Apply / Reject (empty: one thing to decide). */
  hunks?: CardHunk[];
}

export interface CommandInfo {
  kind?: string;
  command: string[];
  cwd: string;
  reason?: string | null;
  server?: string | null;
  tool?: string | null;
}

export type TranscriptEntry = {
  kind: string;
  text?: string;
  name?: string;
  detail?: string;
  callId?: string;
  output?: string;
  exitCode?: number | null;
  plan?: PlanStep[];
  explanation?: string | null;
  /** On a user entry: what was attached to it. */
  chips?: string[];
};

export type Action =
  | { type: 'event'; event: CodexEvent }
  | { type: 'prompt'; text: string; chips: string[] }
  | { type: 'failed'; error: string }
  | { type: 'notice'; text: string; level?: string }
  | { type: 'server'; state: ServerState; message?: string }
  | { type: 'reset'; threadId: string | null; transcript?: TranscriptEntry[] }
  | { type: 'proposal'; id: string; proposal: ProposalInfo }
  | { type: 'cardSettled'; id: string; state: 'applied' | 'rejected' | 'stale'; detail?: string }
  | { type: 'hunkChoice'; id: string; hunk: number; kept: boolean }
  | { type: 'proposalDecided'; id: string; decision: Decision | 'withdrawn' }
  | { type: 'approval'; id: string; request: CommandInfo }
  | { type: 'questions'; id: string; request: UserInputParams }
  | { type: 'questionsDecided'; id: string; answers: Record<string, string> | null; withdrawn?: boolean }
  | { type: 'approvalDecided'; id: string; decision: Decision | 'withdrawn' };

export function initialState(): PanelState {
  return { server: 'starting', serverMessage: '', signInAction: false, items: [], busy: false, threadId: null, nextId: 1 };
}

export interface ThreadRow {
  threadId: string;
  title: string;
  updated: number;
  current?: boolean;
}
