/**
 * The Codex view's model: what the conversation shows, as a pure reducer from
 * `codex/event`s, command results and the user's actions to rendered items.
 *
 * The state's shape is in panel/state.ts, the per-event handling in panel/eventTable.ts and
 * the prompt box's helpers in panel/composer.ts; this module re-exports them, so the view's
 * users import one module.
 *
 * Pure (no `vscode`, no DOM): unit-tested in plain Node, used by the webview host
 * (panel/host.ts), which posts the state to the webview script (webview/main.ts).
 */

import { change, Draft, last, push, settle } from './draft';
import { onEvent } from './eventTable';
import type { Action, Item, PanelState, TranscriptEntry } from './state';

export type { CodexEvent } from '../events';
export * from './state';
export * from './composer';

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
