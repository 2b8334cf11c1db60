/**
 * What each `codex/event` kind does to the conversation. Apart from the reducer because it
 * is the one place a new event kind must be handled: the table is an `EventTable`, so a
 * kind missing here is a compile error.
 *
 * Pure (no `vscode`, no DOM), like panel/model.ts, which applies it.
 */

import { dispatchEvent } from '../events';
import type { CodexEvent, EventTable, PlanEvent, ToolEvent, TurnFinishedEvent, WebSearchEvent } from '../events';
import { change, Draft, last, push, settle } from './draft';

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

/** Apply one `codex/event` to the draft. */
export function onEvent(s: Draft, e: CodexEvent): void {
  dispatchEvent(EVENTS(s), e);
}
