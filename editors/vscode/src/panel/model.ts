/**
 * The Codex view's model: what the conversation shows, as a pure reducer from
 * `codex/event`s, command results and the user's actions to rendered items.
 *
 * Pure (no `vscode`, no DOM): unit-tested in plain Node, used by the webview host
 * (panel/host.ts), which posts the state to the webview script (webview/main.ts).
 */

import type { CardHunk } from '../approval';
import { dispatchEvent } from '../events';
import type { CodexEvent, EventTable, PlanEvent, ToolEvent, TurnFinishedEvent, WebSearchEvent } from '../events';

export type { CodexEvent } from '../events';

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

type Draft = PanelState;
type NewItem = Item extends infer T ? (T extends Item ? Omit<T, 'id' | 'rev'> : never) : never;

function push(s: Draft, item: NewItem, id?: string): void {
  s.items.push({ ...item, id: id ?? `i${s.nextId++}`, rev: 1 } as Item);
}

function change<K extends Item['kind']>(item: Extract<Item, { kind: K }>, patch: Partial<Extract<Item, { kind: K }>>): void {
  Object.assign(item, patch);
  item.rev += 1;
}

function last<K extends Item['kind']>(s: Draft, kind: K, test: (i: Extract<Item, { kind: K }>) => boolean = () => true) {
  for (let i = s.items.length - 1; i >= 0; i--) {
    const item = s.items[i];
    if (item.kind === kind && test(item as Extract<Item, { kind: K }>)) return item as Extract<Item, { kind: K }>;
  }
  return undefined;
}

/** Streaming items stop streaming (a turn ended, or the answer began after the reasoning). */
function settle(s: Draft, kinds: Item['kind'][] = ['assistant', 'reasoning']): void {
  for (const item of s.items) {
    if ((item.kind === 'assistant' || item.kind === 'reasoning') && item.streaming && kinds.includes(item.kind)) {
      change(item, { streaming: false });
    }
  }
}

function appendStream(s: Draft, kind: 'assistant' | 'reasoning', delta: string): void {
  const open = last(s, kind, (i) => i.streaming);
  const tail = s.items[s.items.length - 1];
  if (open && open === tail) change(open, { text: open.text + delta });
  else {
    settle(s, [kind]);
    push(s, { kind, text: delta, streaming: true });
  }
}

function onTool(s: Draft, e: ToolEvent): void {
  const name = e.name;
  const callId = e.callId ?? '';
  if (name === 'update_plan') return; // the plan item shows it
  const detail = e.detail || name;
  if (e.phase === 'begin') {
    push(s, { kind: 'tool', callId, name, detail, state: 'running' });
    return;
  }
  const card = callId ? last(s, 'change', (c) => c.callId === callId) : undefined;
  if (card) {
    const state = e.ok !== false ? 'applied' : e.outcome === 'rejected' ? 'rejected' : 'stale';
    change(card, { state, detail: e.ok !== false ? undefined : detail });
    return;
  }
  const row = last(s, 'tool', (t) => t.state === 'running' && (callId ? t.callId === callId : t.name === name));
  const patch = {
    state: e.ok === false ? ('failed' as const) : ('ok' as const),
    detail: row && e.ok !== false ? row.detail : detail,
    output: typeof e.output === 'string' ? e.output : undefined,
    exitCode: typeof e.exitCode === 'number' ? e.exitCode : null,
  };
  if (row) change(row, patch);
  else push(s, { kind: 'tool', callId, name, ...patch });
}

/** The model's built-in web search: a tool row, its detail naming the query, sources as output. */
function onWebSearch(s: Draft, e: WebSearchEvent): void {
  const callId = e.callId ?? '';
  const name = 'web_search';
  const detail = e.detail || 'Searching the web';
  const row = last(s, 'tool', (t) => t.state === 'running' && t.name === name && t.callId === callId);
  if (e.phase === 'begin') {
    if (!row) push(s, { kind: 'tool', callId, name, detail, state: 'running' });
    return;
  }
  const sources = Array.isArray(e.sources) ? e.sources.map(String).join('\n') : '';
  const patch = { state: 'ok' as const, detail, output: sources || undefined, exitCode: null };
  if (row) change(row, patch);
  else push(s, { kind: 'tool', callId, name, ...patch });
}

function onPlan(s: Draft, e: PlanEvent): void {
  const steps = Array.isArray(e.plan) ? e.plan.map((p) => ({ step: String(p.step), status: String(p.status) })) : [];
  const explanation = typeof e.explanation === 'string' ? e.explanation : null;
  // One live checklist per turn: later updates change it in place.
  const turnStart = s.items.map((i) => i.kind).lastIndexOf('user');
  const plan = last(s, 'plan');
  if (plan && s.items.indexOf(plan) > turnStart) change(plan, { steps, explanation });
  else push(s, { kind: 'plan', steps, explanation });
}

function onFinished(s: Draft, e: TurnFinishedEvent): void {
  s.busy = false;
  settle(s);
  const text = typeof e.text === 'string' ? e.text : '';
  const turnStart = s.items.map((i) => i.kind).lastIndexOf('user');
  const answered = s.items.slice(turnStart + 1).some((i) => i.kind === 'assistant' && i.text);
  if (text && !answered) push(s, { kind: 'assistant', text, streaming: false });
  if (e.status === 'failed') push(s, { kind: 'notice', level: 'error', text: e.error || 'The turn failed.' });
  if (e.status === 'cancelled') push(s, { kind: 'notice', level: 'info', text: 'Stopped.' });
  for (const item of s.items) {
    if (item.kind === 'tool' && item.state === 'running') change(item, { state: 'failed', detail: `${item.detail} (stopped)` });
    if (item.kind === 'approval' && item.state === 'pending') change(item, { state: 'withdrawn' });
    if (item.kind === 'question' && item.state === 'pending') change(item, { state: 'withdrawn' });
  }
}

const ignore = (): void => undefined;

/** What each `codex/event` kind does to the conversation: every kind is listed. */
const EVENTS: (s: Draft) => EventTable = (s) => ({
  turnStarted: (e) => {
    s.busy = true;
    if (e.threadId) s.threadId = e.threadId;
  },
  text: (e) => {
    if (!e.delta) return;
    settle(s, ['reasoning']);
    appendStream(s, 'assistant', e.delta);
  },
  reasoning: (e) => {
    if (e.delta) appendStream(s, 'reasoning', e.delta);
  },
  textReset: () => {
    const open = last(s, 'assistant', (i) => i.streaming);
    if (open) change(open, { text: '' });
  },
  tool: (e) => onTool(s, e),
  // The running command's row shows its latest lines until it ends.
  toolOutput: (e) => {
    const row = last(s, 'tool', (t) => t.state === 'running' && t.callId === (e.callId ?? ''));
    if (row) change(row, { output: e.tail });
  },
  webSearch: (e) => onWebSearch(s, e),
  plan: (e) => onPlan(s, e),
  notice: (e) => push(s, { kind: 'notice', level: e.level || 'info', text: e.message || '' }),
  turnFinished: (e) => onFinished(s, e),
  approvalWithdrawn: (e) => {
    if (e.kind !== 'edit') return;
    const card = last(s, 'change', (c) => c.state === 'pending');
    if (card) change(card, { state: 'withdrawn' });
  },
  questionWithdrawn: (e) => {
    const card = last(s, 'question', (c) => c.state === 'pending' && c.callId === e.callId);
    if (card) change(card, { state: 'withdrawn' });
  },
  authRequired: (e) => {
    s.server = 'noAuth';
    s.serverMessage = e.message || 'Not signed in';
    s.signInAction = Boolean(e.action);
  },
  login: (e) => {
    if (e.state !== 'signedIn') return;
    s.server = 'ready';
    s.serverMessage = '';
  },
  // Shown elsewhere: review findings as diagnostics, limits in `codex.status`.
  review: ignore,
  rateLimits: ignore,
});

function onEvent(s: Draft, e: CodexEvent): void {
  dispatchEvent(EVENTS(s), e);
}

/** The items a resumed thread starts with (`codex.resumeThread`'s `transcript`). */
function fromTranscript(s: Draft, entries: TranscriptEntry[]): void {
  for (const e of entries) {
    if (e.kind === 'user') push(s, { kind: 'user', text: e.text ?? '', chips: e.chips ?? [] });
    else if (e.kind === 'assistant' || e.kind === 'reasoning') push(s, { kind: e.kind, text: e.text ?? '', streaming: false });
    else if (e.kind === 'plan') push(s, { kind: 'plan', steps: e.plan ?? [], explanation: e.explanation ?? null });
    else if (e.kind === 'tool') {
      const failed = typeof e.exitCode === 'number' && e.exitCode !== 0;
      push(s, {
        kind: 'tool',
        callId: e.callId ?? '',
        name: e.name ?? '',
        detail: e.detail ?? e.name ?? '',
        state: failed ? 'failed' : 'ok',
        output: e.output,
        exitCode: e.exitCode ?? null,
      });
    }
  }
}

/** The next state (the input is not changed: items that change are copied). */
export function reduce(state: PanelState, action: Action): PanelState {
  const s: Draft = { ...state, items: state.items.map((i) => ({ ...i }) as Item) };
  switch (action.type) {
    case 'event':
      onEvent(s, action.event);
      break;
    case 'prompt':
      settle(s);
      push(s, { kind: 'user', text: action.text, chips: action.chips });
      s.busy = true;
      break;
    case 'failed':
      s.busy = false;
      push(s, { kind: 'notice', level: 'error', text: action.error });
      break;
    case 'notice':
      push(s, { kind: 'notice', level: action.level ?? 'info', text: action.text });
      break;
    case 'server':
      // "Not signed in" outlives the client reaching `running`; a (re)start clears it.
      if (action.state === 'ready' && s.server === 'noAuth') break;
      s.server = action.state;
      s.serverMessage = action.message ?? '';
      if (action.state !== 'ready') s.busy = false;
      break;
    case 'reset':
      s.items = [];
      s.busy = false;
      s.threadId = action.threadId;
      fromTranscript(s, action.transcript ?? []);
      break;
    case 'proposal': {
      // The card takes the place of its running apply_patch row.
      const row = last(s, 'tool', (t) => t.state === 'running' && t.name === 'apply_patch');
      if (row) s.items.splice(s.items.indexOf(row), 1);
      push(s, { kind: 'change', callId: row?.callId ?? '', ...action.proposal, state: 'pending' }, action.id);
      break;
    }
    case 'hunkChoice': {
      const card = s.items.find((i) => i.id === action.id);
      if (card?.kind === 'change' && card.state === 'pending' && card.hunks?.[action.hunk]) {
        change(card, { hunks: card.hunks.map((h, i) => (i === action.hunk ? { ...h, kept: action.kept } : h)) });
      }
      break;
    }
    case 'cardSettled': {
      const card = s.items.find((i) => i.id === action.id);
      if (card?.kind === 'change') change(card, { state: action.state, detail: action.detail });
      break;
    }
    case 'proposalDecided': {
      const card = s.items.find((i) => i.id === action.id);
      if (card?.kind === 'change' && card.state === 'pending') {
        change(card, { state: action.decision === 'reject' ? 'rejected' : action.decision === 'withdrawn' ? 'withdrawn' : 'approved' });
      }
      break;
    }
    case 'approval': {
      const r = action.request;
      const mcp = r.kind === 'mcp';
      const command = mcp ? `${r.server ?? ''} / ${r.tool ?? ''}` : formatCommand(r.command);
      push(s, { kind: 'approval', action: mcp ? 'mcp' : 'shell', command, cwd: r.cwd, reason: r.reason ?? null, state: 'pending' }, action.id);
      break;
    }
    case 'questions': {
      const questions = action.request.questions.map((q) => ({
        id: String(q.id),
        header: String(q.header ?? ''),
        question: String(q.question ?? ''),
        options: (q.options ?? []).map((o) => ({ label: String(o.label), description: String(o.description ?? '') })),
      }));
      push(s, { kind: 'question', callId: action.request.callId, questions, state: 'pending', answers: {} }, action.id);
      break;
    }
    case 'questionsDecided': {
      const item = s.items.find((i) => i.id === action.id);
      if (item?.kind === 'question' && item.state === 'pending') {
        if (action.withdrawn) change(item, { state: 'withdrawn' });
        else change(item, action.answers === null ? { state: 'dismissed' } : { state: 'answered', answers: action.answers });
      }
      break;
    }
    case 'approvalDecided': {
      const item = s.items.find((i) => i.id === action.id);
      if (item?.kind === 'approval' && item.state === 'pending') change(item, { state: action.decision });
      break;
    }
  }
  return s;
}

/** `["pytest", "-q"]` -> `pytest -q`, quoting what a shell would need quoted. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * The attached context as `codex.runTask`'s `context` (files, selections as ranges): it
 * travels apart from the prompt, so titles stay the user's words.
 */
export function promptContext(chips: readonly Chip[]): { uri: string; range?: LspRange }[] {
  return chips.map((c) => (c.kind === 'selection' && c.range ? { uri: c.uri, range: c.range } : { uri: c.uri }));
}

/** A chip's label: `hello.py` or `hello.py:3-7`. */
export function chipLabel(c: Chip): string {
  const name = c.path.split('/').pop() ?? c.path;
  return c.kind === 'selection' ? `${name}:${c.startLine}-${c.endLine}` : name;
}

/** The `@word` being typed just before the caret, or undefined. */
export function mentionQuery(text: string, caret: number): string | undefined {
  const m = /(?:^|\s)@([\w./-]*)$/.exec(text.slice(0, caret));
  return m ? m[1] : undefined;
}

/** `text` without the `@word` before the caret (the mention became a chip). */
export function dropMention(text: string, caret: number): { text: string; caret: number } {
  const before = text.slice(0, caret).replace(/@[\w./-]*$/, '');
  return { text: before + text.slice(caret), caret: before.length };
}

export interface ThreadRow {
  threadId: string;
  title: string;
  updated: number;
  current?: boolean;
}

/** Threads whose title matches every word of the query (case-insensitive). */
export function filterThreads(threads: readonly ThreadRow[], query: string): ThreadRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return threads.filter((t) => words.every((w) => t.title.toLowerCase().includes(w)));
}
