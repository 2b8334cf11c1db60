/**
 * The Codex view's script (runs in the webview): renders the host's state
 * (items re-rendered only when their `rev` moves) and sends the user's actions
 * back. Keeps the prompt draft in the webview state so it survives a reload.
 */

import type { ToWebview, ViewUpdate } from '../panel/messages';
import { chipLabel, dropMention, filterThreads, Item, mentionQuery, ThreadRow } from '../panel/model';
import type { Codicon } from './codicons';
import { $, button, codicon, el, post, vscode } from './dom';
import { onThumb, renderImages, saveDraft, takeImages } from './images';
import { renderMarkdown } from './markdown';
import { onRedraw, QuestionItem, renderQuestion } from './questions';

const conversation = $<HTMLElement>('conversation');
const prompt = $<HTMLTextAreaElement>('prompt');
const mentions = $<HTMLElement>('mentions');
const rendered = new Map<string, { rev: number; node: HTMLElement }>();
let last: ViewUpdate | undefined;
let mentionFiles: { path: string; uri: string }[] = [];
let mentionIndex = 0;

/** A question card re-drawn after a pick (its rev did not move: the pick is the webview's). */
onRedraw((item: QuestionItem) => {
  const shown = rendered.get(item.id);
  if (!shown) return;
  const node = renderQuestion(item);
  node.dataset.id = item.id;
  shown.node.replaceWith(node);
  rendered.set(item.id, { rev: shown.rev, node });
});

// ---- items -------------------------------------------------------------------------------

const STEP_MARK: Record<string, Codicon> = { completed: 'pass-filled', in_progress: 'arrow-circle-right', pending: 'circle-large-outline' };
const TOOL_MARK: Record<'running' | 'ok' | 'failed', Codicon> = { running: 'loading', ok: 'pass', failed: 'error' };
/** `codex.saveAfterApply`, from the latest update: an applied card then says "saved". */
let saveAfterApply = false;
const CHANGE_STATE: Record<string, string> = {
  pending: 'Waiting for your review',
  approved: 'Approved: applying…',
  applied: 'Applied (save to keep)',
  rejected: 'Rejected',
  stale: 'Not applied: the file changed (stale)',
  withdrawn: 'Review timed out',
};

function details(summary: string, body: HTMLElement, cls: string, icon?: Codicon): HTMLDetailsElement {
  const d = el('details', cls);
  const head = el('summary');
  if (icon) head.append(codicon(icon, icon === 'loading'), ' ');
  head.append(summary);
  d.append(head, body);
  return d;
}

function renderItem(item: Item): HTMLElement {
  switch (item.kind) {
    case 'user': {
      const node = el('section', 'item user');
      node.setAttribute('aria-label', 'You');
      if (item.chips.length) {
        const chips = el('div', 'chips');
        item.chips.forEach((c) => chips.append(el('span', 'chip', c)));
        node.append(chips);
      }
      node.append(el('div', 'text', item.text));
      return node;
    }
    case 'assistant': {
      const node = el('section', `item assistant${item.streaming && item.text.trim() ? ' streaming' : ''}`);
      node.setAttribute('aria-label', 'Codex');
      node.innerHTML = renderMarkdown(item.text);
      return node;
    }
    case 'reasoning': {
      const body = el('div', 'reasoning-text');
      body.innerHTML = renderMarkdown(item.text);
      return details(item.streaming ? 'Thinking…' : 'Thought', body, 'item reasoning', 'lightbulb');
    }
    case 'plan': {
      const node = el('section', 'item plan');
      node.setAttribute('aria-label', 'Plan');
      node.append(el('div', 'heading', 'Plan'));
      if (item.explanation) node.append(el('div', 'explanation', item.explanation));
      const list = el('ul');
      for (const s of item.steps) {
        const li = el('li', `step ${s.status}`);
        const mark = el('span', 'mark');
        mark.append(codicon(STEP_MARK[s.status] ?? STEP_MARK.pending));
        li.append(mark, el('span', 'label', s.step));
        li.setAttribute('aria-label', `${s.step}: ${s.status.replace('_', ' ')}`);
        list.append(li);
      }
      node.append(list);
      return node;
    }
    case 'tool': {
      const code = typeof item.exitCode === 'number' ? ` · exit ${item.exitCode}` : '';
      const body = el('pre', 'output', item.output ?? (item.state === 'running' ? 'running…' : '(no output)'));
      return details(`${item.detail}${code}`, body, `item tool ${item.state}`, TOOL_MARK[item.state]);
    }
    case 'change':
      return renderChange(item);
    case 'approval':
      return renderApproval(item);
    case 'notice':
      return el('div', `item notice ${item.level}`, item.text);
    case 'question':
      return renderQuestion(item);
  }
}

/** Per-hunk Apply / Reject, as in the diff editor: the card's Apply applies the kept ones. */
function renderHunks(item: Extract<Item, { kind: 'change' }>): HTMLElement {
  const list = el('ul', 'hunks');
  (item.hunks ?? []).forEach((h, i) => {
    const row = el('li', `hunk ${h.kept ? 'kept' : 'dropped'}`);
    row.append(el('span', 'hunk-label', h.label));
    if (h.detail) row.append(el('code', 'hunk-detail', h.detail));
    const choose = (kept: boolean) => () => post({ type: 'hunk', id: item.id, hunk: i, kept });
    const apply = button('Apply', 'check', choose(true), { aria: `Apply hunk ${h.label}`, style: 'icon' });
    const reject = button('Reject', 'close', choose(false), { aria: `Reject hunk ${h.label}`, style: 'icon' });
    apply.setAttribute('aria-pressed', String(h.kept));
    reject.setAttribute('aria-pressed', String(!h.kept));
    const actions = el('span', 'hunk-actions');
    actions.append(apply, reject);
    row.append(actions);
    list.append(row);
  });
  return list;
}

function renderChange(item: Extract<Item, { kind: 'change' }>): HTMLElement {
  const node = el('section', `item change ${item.state}`);
  node.setAttribute('aria-label', `Proposed change: ${item.title}`);
  node.append(el('div', 'heading', item.title), el('div', 'summary', item.summary));
  const files = el('ul', 'files');
  item.files.forEach((f) => files.append(el('li', `file ${f.kind}`, `${f.kind === 'add' ? 'A' : f.kind === 'delete' ? 'D' : 'M'} ${f.path}`)));
  node.append(files);
  if (item.state === 'pending' && item.hunks?.length) node.append(renderHunks(item));
  if (item.state === 'pending') {
    const actions = el('div', 'actions');
    actions.append(
      button('Apply', 'check', () => post({ type: 'decideEdit', id: item.id, decision: 'approve' }), { aria: `Apply ${item.title}`, style: 'primary' }),
      button('Reject', 'close', () => post({ type: 'decideEdit', id: item.id, decision: 'reject' }), { aria: `Reject ${item.title}` }),
      button('Review', 'diff', () => post({ type: 'review', id: item.id }), { aria: `Review ${item.title} in the diff editor` }),
    );
    node.append(actions);
  }
  const label = item.state === 'applied' && saveAfterApply ? 'Applied and saved' : CHANGE_STATE[item.state];
  const state = el('div', 'state', label + (item.detail ? `: ${item.detail}` : ''));
  state.setAttribute('role', 'status');
  node.append(state);
  return node;
}

function renderApproval(item: Extract<Item, { kind: 'approval' }>): HTMLElement {
  const node = el('section', `item approval ${item.state}`);
  const what = item.action === 'mcp' ? 'Codex wants to call an MCP tool' : 'Codex wants to run a command';
  node.setAttribute('aria-label', what);
  node.append(el('div', 'heading', what), el('pre', 'command', item.action === 'mcp' ? item.command : `$ ${item.command}`));
  node.append(el('div', 'cwd', `in ${item.cwd}`));
  if (item.reason) node.append(el('div', 'reason', item.reason));
  if (item.state === 'pending') {
    const decide = (decision: 'approve' | 'approveForSession' | 'reject') => () => post({ type: 'decideCommand', id: item.id, decision });
    const actions = el('div', 'actions');
    actions.append(
      button('Run', 'play', decide('approve'), { style: 'primary' }),
      button('Run always this session', 'check-all', decide('approveForSession')),
      button('Deny', 'circle-slash', decide('reject')),
    );
    node.append(actions);
  } else {
    const label = { approve: 'Run', approveForSession: 'Run (always this session)', reject: 'Denied', withdrawn: 'Timed out' }[item.state];
    node.append(el('div', 'state', label));
  }
  return node;
}

function renderItems(items: Item[]): void {
  const atBottom = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 40;
  const keep = new Set(items.map((i) => i.id));
  for (const [id, r] of rendered) {
    if (!keep.has(id)) {
      r.node.remove();
      rendered.delete(id);
    }
  }
  let previous: HTMLElement | null = null;
  for (const item of items) {
    const old = rendered.get(item.id);
    let node = old?.node;
    if (!old || old.rev !== item.rev) {
      node = renderItem(item);
      node.dataset.id = item.id;
      if (old && old.node instanceof HTMLDetailsElement && node instanceof HTMLDetailsElement) node.open = old.node.open;
      if (old) old.node.replaceWith(node);
      rendered.set(item.id, { rev: item.rev, node });
    }
    const wanted: Element | null = previous ? previous.nextElementSibling : conversation.firstElementChild;
    if (wanted !== node) conversation.insertBefore(node!, wanted);
    previous = node!;
  }
  if (atBottom) conversation.scrollTop = conversation.scrollHeight;
}

// ---- chrome: server state, chips, pickers, threads -------------------------------------------

function renderServer(u: ViewUpdate): void {
  const box = $<HTMLElement>('server');
  box.replaceChildren();
  const { server, serverMessage, signInAction } = u.state;
  box.className = server;
  if (server === 'ready') {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  if (server === 'starting') box.append(el('span', undefined, 'Starting the Codex server…'));
  if (server === 'noAuth') {
    box.append(el('span', undefined, serverMessage || 'Not signed in.'));
    if (signInAction) box.append(button('Sign in with ChatGPT', 'account', () => post({ type: 'signIn' }), { style: 'primary' }));
    box.append(button('Open Settings', 'gear', () => post({ type: 'openSettings' })));
  }
  if (server === 'crashed' || server === 'stopped') {
    box.append(el('span', undefined, serverMessage || 'The Codex server stopped.'));
    box.append(
      button('Restart', 'debug-restart', () => post({ type: 'restart' }), { style: 'primary' }),
      button('Show Log', 'output', () => post({ type: 'showLog' })),
    );
  }
}

function renderChips(u: ViewUpdate): void {
  const box = $<HTMLElement>('chips');
  box.replaceChildren();
  for (const chip of u.chips) {
    const c = el('span', 'chip');
    c.setAttribute('role', 'listitem');
    c.title = chip.path;
    c.append(
      codicon(chip.kind === 'selection' ? 'selection' : 'file'),
      el('span', undefined, chipLabel(chip)),
      button('Remove', 'close', () => post({ type: 'removeChip', id: chip.id }), { aria: `Remove ${chipLabel(chip)}`, style: 'icon' }),
    );
    box.append(c);
  }
}

function renderControls(u: ViewUpdate): void {
  const model = $<HTMLInputElement>('model');
  saveAfterApply = u.settings.saveAfterApply;
  if (document.activeElement !== model) model.value = u.settings.model;
  model.placeholder = u.settings.effectiveModel || 'model';
  const list = $<HTMLElement>('models');
  list.replaceChildren(...[u.settings.effectiveModel, u.settings.model].filter(Boolean).map((m) => Object.assign(el('option'), { value: m })));
  $<HTMLSelectElement>('effort').value = u.settings.reasoningEffort;
  $<HTMLSelectElement>('approval').value = u.settings.approvalPolicy;
  $<HTMLButtonElement>('stop').hidden = !u.state.busy;
  $<HTMLButtonElement>('send').disabled = u.state.busy;
}

function renderThreads(threads: ThreadRow[] | null): void {
  const box = $<HTMLElement>('thread-list');
  $<HTMLButtonElement>('threads').setAttribute('aria-expanded', String(threads !== null));
  box.hidden = threads === null;
  if (threads === null) return;
  const rows = $<HTMLElement>('thread-rows');
  rows.replaceChildren();
  const shown = filterThreads(threads, $<HTMLInputElement>('thread-search').value);
  if (!shown.length) rows.append(el('li', 'empty', threads.length ? 'No thread matches.' : 'No saved threads yet.'));
  for (const t of shown) {
    const li = el('li');
    li.setAttribute('role', 'option');
    const when = new Date(t.updated * 1000).toLocaleString();
    const title = t.title || 'New thread';
    const b = button(`${title}${t.current ? ' (current)' : ''}`, t.current ? 'comment-discussion' : 'comment', () => post({ type: 'resume', threadId: t.threadId }), {
      aria: `Resume ${title}, ${when}`,
      style: 'row',
    });
    li.append(b, el('span', 'when', when));
    rows.append(li);
  }
}

function render(u: ViewUpdate): void {
  last = u;
  renderServer(u);
  renderItems(u.state.items);
  renderChips(u);
  renderControls(u);
  renderThreads(u.threads);
  if (!u.state.items.length && !conversation.querySelector('.empty-hint')) {
    conversation.append(el('div', 'empty-hint', 'Ask a question or describe a task. Edits are shown for review before they are applied.'));
  } else if (u.state.items.length) conversation.querySelector('.empty-hint')?.remove();
}

// ---- the prompt box --------------------------------------------------------------------------

function send(): void {
  const text = prompt.value;
  if (!text.trim() || last?.state.busy) return;
  prompt.value = '';
  post({ type: 'send', text, images: takeImages() });
}

function showMentions(files: { path: string; uri: string }[]): void {
  mentionFiles = files;
  mentionIndex = 0;
  mentions.replaceChildren();
  mentions.hidden = files.length === 0;
  files.forEach((f, i) => {
    const row = el('div', `mention${i === mentionIndex ? ' selected' : ''}`, f.path);
    row.setAttribute('role', 'option');
    row.setAttribute('aria-selected', String(i === mentionIndex));
    row.addEventListener('mousedown', (e) => {
      e.preventDefault();
      pickMention(i);
    });
    mentions.append(row);
  });
}

function pickMention(i: number): void {
  const f = mentionFiles[i];
  if (!f) return;
  const next = dropMention(prompt.value, prompt.selectionStart);
  prompt.value = next.text;
  prompt.setSelectionRange(next.caret, next.caret);
  post({ type: 'addFile', uri: f.uri });
  showMentions([]);
}

prompt.addEventListener('input', () => {
  saveDraft();
  const query = mentionQuery(prompt.value, prompt.selectionStart);
  if (query === undefined) showMentions([]);
  else post({ type: 'mention', query });
});

prompt.addEventListener('keydown', (e) => {
  if (!mentions.hidden) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      mentionIndex = (mentionIndex + (e.key === 'ArrowDown' ? 1 : mentionFiles.length - 1)) % mentionFiles.length;
      [...mentions.children].forEach((c, i) => {
        c.classList.toggle('selected', i === mentionIndex);
        c.setAttribute('aria-selected', String(i === mentionIndex));
      });
      return;
    }
    if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      pickMention(mentionIndex);
      return;
    }
    if (e.key === 'Escape') {
      showMentions([]);
      return;
    }
  }
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});

$<HTMLFormElement>('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
$('stop').addEventListener('click', () => post({ type: 'stop' }));
$('new-thread').addEventListener('click', () => post({ type: 'newThread' }));
$('undo').addEventListener('click', () => post({ type: 'undo' }));
$('threads').addEventListener('click', () => post({ type: 'showThreads', show: last?.threads == null }));
$('thread-search').addEventListener('input', () => renderThreads(last?.threads ?? null));
$('model').addEventListener('change', () => post({ type: 'setting', key: 'model', value: $<HTMLInputElement>('model').value.trim() }));
$('effort').addEventListener('change', () => post({ type: 'setting', key: 'reasoningEffort', value: $<HTMLSelectElement>('effort').value }));
$('approval').addEventListener('change', () => post({ type: 'setting', key: 'approvalPolicy', value: $<HTMLSelectElement>('approval').value }));
conversation.addEventListener('click', (e) => {
  const copy = (e.target as HTMLElement).closest<HTMLButtonElement>('button.copy');
  if (copy) {
    const code = copy.parentElement?.querySelector('pre')?.textContent ?? '';
    post({ type: 'copy', text: code });
    copy.replaceChildren(codicon('check'));
    copy.title = 'Copied';
    setTimeout(() => {
      copy.replaceChildren(codicon('copy'));
      copy.title = 'Copy';
    }, 1500);
  }
});

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const m = event.data;
  if (m.type === 'update') render(m);
  else if (m.type === 'mentions') showMentions(m.files);
  else if (m.type === 'focusPrompt') prompt.focus();
  else if (m.type === 'thumb') onThumb(m.id, m.dataUrl, m.error);
});

prompt.value = vscode.getState()?.draft ?? '';
renderImages();
post({ type: 'ready' });
