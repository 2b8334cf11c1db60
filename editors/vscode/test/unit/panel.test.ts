import * as assert from 'assert';
import { readFileSync } from 'fs';

import type { CodexEvent, CodexEventType } from '../../src/events';

import { droppedUris, imageArgs, imageMime, isImagePath } from '../../src/panel/images';
import { csp, pageHtml } from '../../src/panel/page';
import { CODICONS } from '../../src/webview/codicons';
import { renderMarkdown } from '../../src/webview/markdown';
import {
  Action,
  Chip,
  dropMention,
  filterThreads,
  initialState,
  Item,
  mentionQuery,
  PanelState,
  promptContext,
  reduce,
  userInputResult,
} from '../../src/panel/model';

const T = 'thread-1';

function run(...actions: Action[]): PanelState {
  return actions.reduce(reduce, initialState());
}

/** A server event; fields the server always sends but a case does not need are left out. */
const ev = (type: CodexEventType, extra: Record<string, unknown> = {}): Action => ({
  type: 'event',
  event: { threadId: T, type, ...extra } as CodexEvent,
});

/** The items without ids and revs, for comparing. */
function shape(s: PanelState): Record<string, unknown>[] {
  return s.items.map(({ id: _id, rev: _rev, ...rest }: Item) => rest);
}

describe('Codex view model: events -> items', () => {
  it('streams reasoning then the answer, folding the reasoning once the answer starts', () => {
    const mid = run(
      { type: 'prompt', text: 'why?', chips: ['hello.py'] },
      ev('turnStarted', { title: 'Codex: why?' }),
      ev('reasoning', { delta: 'Looking ' }),
      ev('reasoning', { delta: 'closer.' }),
    );
    assert.strictEqual(mid.busy, true);
    assert.deepStrictEqual(shape(mid)[1], { kind: 'reasoning', text: 'Looking closer.', streaming: true });

    const s = [ev('text', { delta: 'Because ' }), ev('text', { delta: '**it is**.' }), ev('turnFinished', { status: 'answered', text: 'Because **it is**.' })].reduce(
      reduce,
      mid,
    );
    assert.deepStrictEqual(shape(s), [
      { kind: 'user', text: 'why?', chips: ['hello.py'] },
      { kind: 'reasoning', text: 'Looking closer.', streaming: false },
      { kind: 'assistant', text: 'Because **it is**.', streaming: false },
    ]);
    assert.strictEqual(s.busy, false);
    assert.strictEqual(s.threadId, T);
  });

  it('keeps one live checklist per turn, a row per tool step with output and exit code', () => {
    const plan1 = [{ step: 'Run tests', status: 'in_progress' }, { step: 'Fix', status: 'pending' }];
    const plan2 = [{ step: 'Run tests', status: 'completed' }, { step: 'Fix', status: 'in_progress' }];
    const s = run(
      { type: 'prompt', text: 'fix it', chips: [] },
      ev('turnStarted'),
      ev('tool', { name: 'update_plan', detail: 'update_plan', phase: 'begin', callId: 'p1' }),
      ev('plan', { plan: plan1, explanation: 'First the tests.' }),
      ev('tool', { name: 'update_plan', detail: 'update_plan', phase: 'end', ok: true, callId: 'p1' }),
      ev('tool', { name: 'shell', detail: 'shell pytest -q', phase: 'begin', callId: 's1' }),
      ev('tool', { name: 'shell', detail: 'shell pytest -q', phase: 'end', ok: true, callId: 's1', output: 'Exit code: 1\n1 failed', exitCode: 1 }),
      ev('plan', { plan: plan2 }),
    );
    assert.deepStrictEqual(shape(s).slice(1), [
      { kind: 'plan', steps: plan2, explanation: null },
      { kind: 'tool', callId: 's1', name: 'shell', detail: 'shell pytest -q', state: 'ok', output: 'Exit code: 1\n1 failed', exitCode: 1 },
    ]);
  });

  it('shows a web search as a tool row naming the query, its sources as output', () => {
    const url = 'https://pygls.readthedocs.io/';
    const s = run(
      ev('webSearch', { callId: 'ws1', phase: 'begin', detail: 'Searching the web' }),
      ev('webSearch', { callId: 'ws1', phase: 'end', detail: 'Searching the web: pygls 2', query: 'pygls 2', sources: [url] }),
    );
    assert.deepStrictEqual(shape(s), [
      { kind: 'tool', callId: 'ws1', name: 'web_search', detail: 'Searching the web: pygls 2', state: 'ok', output: url, exitCode: null },
    ]);
  });

  it('bumps the rev of changed items only (the webview re-renders those)', () => {
    const a = run(ev('text', { delta: 'a' }), ev('tool', { name: 'read_file', detail: 'read_file a', phase: 'begin', callId: 'r' }));
    const b = reduce(a, ev('tool', { name: 'read_file', detail: 'read_file a', phase: 'end', ok: true, callId: 'r', output: 'L1' }));
    assert.strictEqual(b.items[0].rev, a.items[0].rev);
    assert.ok(b.items[1].rev > a.items[1].rev);
    assert.strictEqual(a.items[1].kind === 'tool' && a.items[1].state, 'running', 'the old state is not changed');
  });

  it('turns a proposed change into a card whose result comes from the apply_patch step', () => {
    const proposal = { title: 'Codex: task', summary: 'edit hello.py (+1 -1)', files: [{ path: 'hello.py', kind: 'update' }] };
    const begin = run(ev('tool', { name: 'apply_patch', detail: 'apply_patch hello.py', phase: 'begin', callId: 'a1' }), {
      type: 'proposal',
      id: 'edit1',
      proposal,
    });
    assert.deepStrictEqual(shape(begin), [{ kind: 'change', callId: 'a1', ...proposal, state: 'pending' }]);

    const end = (extra: Record<string, unknown>) => ev('tool', { name: 'apply_patch', phase: 'end', callId: 'a1', ...extra });
    const applied = [{ type: 'proposalDecided', id: 'edit1', decision: 'approve' } as Action, end({ ok: true, detail: 'apply_patch hello.py' })].reduce(reduce, begin);
    assert.strictEqual((applied.items[0] as { state: string }).state, 'applied');
    const rejected = [{ type: 'proposalDecided', id: 'edit1', decision: 'reject' } as Action, end({ ok: false, outcome: 'rejected', detail: 'Edit rejected.' })].reduce(reduce, begin);
    assert.strictEqual((rejected.items[0] as { state: string }).state, 'rejected');
    const stale = reduce(begin, end({ ok: false, outcome: 'failed', detail: 'Edit not applied: hello.py changed' }));
    assert.deepStrictEqual([(stale.items[0] as { state: string }).state, (stale.items[0] as { detail: string }).detail], [
      'stale',
      'Edit not applied: hello.py changed',
    ]);
  });

  it('shows command approvals inline and closes them when decided or withdrawn', () => {
    const asked = run({ type: 'approval', id: 'cmd1', request: { kind: 'shell', command: ['rm', '-rf', 'build dir'], cwd: '/ws', reason: 'not known to be safe' } });
    assert.deepStrictEqual(shape(asked), [
      { kind: 'approval', action: 'shell', command: "rm -rf 'build dir'", cwd: '/ws', reason: 'not known to be safe', state: 'pending' },
    ]);
    const mcp = run({ type: 'approval', id: 'cmd2', request: { kind: 'mcp', command: ['mcp', 'docs', 'search'], cwd: '/ws', server: 'docs', tool: 'search' } });
    assert.strictEqual((mcp.items[0] as { command: string }).command, 'docs / search');
    const ran = reduce(asked, { type: 'approvalDecided', id: 'cmd1', decision: 'approveForSession' });
    assert.strictEqual((ran.items[0] as { state: string }).state, 'approveForSession');
    const ended = reduce(asked, ev('turnFinished', { status: 'cancelled' }));
    assert.deepStrictEqual(shape(ended).map((i) => i.state ?? i.text), ['withdrawn', 'Stopped.']);
  });

  it('reports failures, a reset stream, and the server and sign-in states', () => {
    const s = run(ev('text', { delta: 'partial' }), ev('textReset'), ev('text', { delta: 'whole' }), ev('turnFinished', { status: 'failed', error: 'HTTP 500' }));
    assert.deepStrictEqual(shape(s), [
      { kind: 'assistant', text: 'whole', streaming: false },
      { kind: 'notice', level: 'error', text: 'HTTP 500' },
    ]);
    const noAuth = run({ type: 'server', state: 'starting' }, ev('authRequired', { message: 'Not signed in', action: 'Sign in with ChatGPT' }), { type: 'server', state: 'ready' });
    assert.deepStrictEqual([noAuth.server, noAuth.serverMessage, noAuth.signInAction], ['noAuth', 'Not signed in', true]);
    const signedIn = reduce(noAuth, ev('login', { state: 'signedIn' }));
    assert.strictEqual(signedIn.server, 'ready');
    assert.strictEqual(reduce(signedIn, { type: 'server', state: 'crashed', message: 'exit 1' }).serverMessage, 'exit 1');
  });

  it('starts a resumed thread from its transcript', () => {
    const s = run(ev('text', { delta: 'old' }), {
      type: 'reset',
      threadId: 't2',
      transcript: [
        { kind: 'user', text: 'q' },
        { kind: 'reasoning', text: 'hm' },
        { kind: 'plan', plan: [{ step: 'a', status: 'completed' }], explanation: null },
        { kind: 'tool', name: 'shell', detail: 'shell false', callId: 'c', output: 'Exit code: 1', exitCode: 1 },
        { kind: 'assistant', text: 'a' },
      ],
    });
    assert.strictEqual(s.threadId, 't2');
    assert.deepStrictEqual(
      shape(s).map((i) => `${i.kind}:${i.state ?? ''}`),
      ['user:', 'reasoning:', 'plan:', 'tool:failed', 'assistant:'],
    );
  });
});

describe('Codex view: prompt, mentions, threads, page', () => {
  const chips: Chip[] = [
    {
      id: 'auto',
      kind: 'selection',
      path: 'src/a.py',
      uri: 'file:///w/src/a.py',
      startLine: 3,
      endLine: 4,
      text: 'x = 1\ny = 2',
      range: { start: { line: 2, character: 0 }, end: { line: 3, character: 5 } },
    },
    { id: 'f1', kind: 'file', path: 'README.md', uri: 'file:///w/README.md' },
  ];

  it('sends the attached context apart from the prompt, selections as ranges', () => {
    assert.deepStrictEqual(promptContext(chips), [
      { uri: 'file:///w/src/a.py', range: { start: { line: 2, character: 0 }, end: { line: 3, character: 5 } } },
      { uri: 'file:///w/README.md' },
    ]);
    assert.deepStrictEqual(promptContext([]), []);
  });

  it('shows a resumed message with the chips it was sent with', () => {
    const s = run({ type: 'reset', threadId: 't', transcript: [{ kind: 'user', text: 'explain', chips: ['a.py:3-4'] }] });
    assert.deepStrictEqual(shape(s), [{ kind: 'user', text: 'explain', chips: ['a.py:3-4'] }]);
  });

  it('finds the @-mention being typed and drops it once picked', () => {
    assert.strictEqual(mentionQuery('look at @hel', 12), 'hel');
    assert.strictEqual(mentionQuery('mail me@example', 15), undefined);
    assert.strictEqual(mentionQuery('@', 1), '');
    assert.deepStrictEqual(dropMention('see @hel now', 8), { text: 'see  now', caret: 4 });
  });

  it('filters threads by every word of the search', () => {
    const threads = [
      { threadId: '1', title: 'Codex: fix the parser', updated: 1 },
      { threadId: '2', title: 'Codex: add tests for parser', updated: 2 },
    ];
    assert.deepStrictEqual(filterThreads(threads, 'PARSER tests').map((t) => t.threadId), ['2']);
    assert.strictEqual(filterThreads(threads, '').length, 2);
  });

  it('allows only the nonce script and local resources', () => {
    const html = pageHtml({ cspSource: 'vscode-resource:', script: 'vscode-resource:/dist/webview.js', style: 'vscode-resource:/media/panel.css', codicons: 'vscode-resource:/dist/codicons/codicon.css', nonce: 'abc' });
    assert.ok(html.includes(`content="${csp('vscode-resource:', 'abc')}"`));
    assert.match(csp('x:', 'n'), /^default-src 'none'; .*script-src 'nonce-n'$/);
    assert.ok(!/unsafe-inline|unsafe-eval|https?:/.test(csp('x:', 'n')));
    assert.strictEqual((html.match(/<script/g) ?? []).length, 1);
    assert.ok(html.includes('<script nonce="abc" src="vscode-resource:/dist/webview.js">'));
  });

  it('gives every button a codicon and a name, and loads the bundled codicons', () => {
    const html = pageHtml({ cspSource: 'r:', script: 'r:/w.js', style: 'r:/p.css', codicons: 'r:/dist/codicons/codicon.css' });
    assert.ok(html.includes('<link rel="stylesheet" href="r:/dist/codicons/codicon.css">'));
    const buttons = html.match(/<button[^>]*>.*?<\/button>/gs) ?? [];
    assert.strictEqual(buttons.length, 5);
    for (const b of buttons) {
      assert.match(b, /aria-label="[^"]+"/, b);
      assert.match(b, /<span class="codicon codicon-[a-z-]+" aria-hidden="true"><\/span>/, b);
      assert.match(b, /class="(icon|primary|secondary)"/, b);
    }
  });
});

describe('Codex view: markdown', () => {
  it('highlights code blocks, adds copy buttons and escapes raw HTML', () => {
    const html = renderMarkdown('Use **this**:\n\n```python\ndef f():\n    return 1\n```\n\n<img src=x onerror=alert(1)>');
    assert.ok(html.includes('<strong>this</strong>'));
    assert.ok(html.includes('<button class="copy icon" type="button" aria-label="Copy python code"'));
    assert.ok(html.includes('<span class="hljs-keyword">def</span>'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!html.includes('<img'));
  });
});

describe('Codex view: codicons', () => {
  it('draws only icons the bundled @vscode/codicons has', () => {
    const css = readFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'utf8');
    const page = pageHtml({ cspSource: 'r:', script: 'r:/w.js', style: 'r:/p.css', codicons: 'r:/c.css' });
    const markdown = renderMarkdown('```\nx\n```');
    const inHtml = [...`${page}${markdown}`.matchAll(/codicon-([a-z-]+)/g)].map((m) => m[1]);
    assert.ok(inHtml.length >= 6);
    const missing = [...CODICONS, ...inHtml].filter((name) => !css.includes(`.codicon-${name}:before`));
    assert.deepStrictEqual(missing, []);
  });
});

describe('Codex view: image attachments', () => {
  it('sends a pasted image as its data URL and a dropped file as its URI, in order', () => {
    const images = [
      { id: 'a', name: 'pasted image 1.png', dataUrl: 'data:image/png;base64,iVBORw0KGgo=', thumb: 'data:image/png;base64,iVBORw0KGgo=' },
      { id: 'b', name: 'shot.webp', uri: 'file:///ws/shot.webp', thumb: 'data:image/webp;base64,UklG' },
    ];
    assert.deepStrictEqual(imageArgs(images, (u) => u.replace('file:///ws', 'file:///home/me/ws')), [
      { dataUrl: 'data:image/png;base64,iVBORw0KGgo=' },
      { uri: 'file:///home/me/ws/shot.webp' },
    ]);
    assert.deepStrictEqual(imageArgs([{ id: 'c', name: 'nothing' }]), []);
  });

  it('knows the image types the server takes', () => {
    assert.ok(isImagePath('file:///ws/a.PNG') && isImagePath('b.jpeg') && isImagePath('c.jpg?x=1') && isImagePath('d.gif') && isImagePath('e.webp'));
    assert.ok(!isImagePath('file:///ws/a.svg') && !isImagePath('notes.png.txt') && !isImagePath('png'));
    assert.strictEqual(imageMime('/ws/photo.JPG'), 'image/jpeg');
    assert.strictEqual(imageMime('/ws/a.bmp'), undefined);
  });

  it('reads the URIs of a drop, without comments or blank lines', () => {
    assert.deepStrictEqual(droppedUris('# from the explorer\r\nfile:///ws/a.png\r\n\r\nfile:///ws/b.txt\n'), ['file:///ws/a.png', 'file:///ws/b.txt']);
    assert.deepStrictEqual(droppedUris(''), []);
  });
});

describe('Codex view: live output of a running command (toolOutput)', () => {
  it('shows the latest lines in the running row, then the final output', () => {
    const begin = ev('tool', { name: 'shell', detail: 'shell npm test', phase: 'begin', callId: 's1' });
    const live = run(begin, ev('toolOutput', { callId: 's1', tail: 'test 1 ok' }), ev('toolOutput', { callId: 's1', tail: 'test 2 ok' }));
    assert.deepStrictEqual(shape(live), [{ kind: 'tool', callId: 's1', name: 'shell', detail: 'shell npm test', state: 'running', output: 'test 2 ok' }]);
    const ended = reduce(live, ev('tool', { name: 'shell', detail: 'shell npm test', phase: 'end', ok: true, callId: 's1', output: 'all passed', exitCode: 0 }));
    assert.strictEqual((ended.items[0] as { output?: string }).output, 'all passed');
    // Another call's lines (or a finished row) are left alone.
    assert.deepStrictEqual(reduce(ended, ev('toolOutput', { callId: 's1', tail: 'late' })).items, ended.items);
  });
});

describe('Codex view: the model asks (codex/requestUserInput)', () => {
  const request = {
    threadId: T,
    callId: 'call_1',
    questions: [
      { id: 'db', header: 'Database', question: 'Which database?', options: [{ label: 'SQLite', description: 'a file' }, { label: 'Postgres', description: 'a server' }] },
      { id: 'name', header: 'Name', question: 'What name?', options: [] },
    ],
  };

  it('shows the questions as a pending card, then the answers given', () => {
    const asked = run({ type: 'questions', id: 'ask1', request });
    const card = asked.items[0];
    assert.ok(card.kind === 'question' && card.state === 'pending' && card.questions.length === 2);
    assert.deepStrictEqual(card.questions[0].options.map((o) => o.label), ['SQLite', 'Postgres']);
    const answered = reduce(asked, { type: 'questionsDecided', id: 'ask1', answers: { db: 'SQLite', name: 'users' } });
    assert.deepStrictEqual(shape(answered)[0], { ...shape(asked)[0], state: 'answered', answers: { db: 'SQLite', name: 'users' } });
    // Decided once: a late dismissal changes nothing.
    assert.deepStrictEqual(reduce(answered, { type: 'questionsDecided', id: 'ask1', answers: null }).items, answered.items);
  });

  it('withdraws a card left open when the turn ends', () => {
    const s = run({ type: 'questions', id: 'ask1', request }, ev('turnFinished', { status: 'cancelled', text: '' }));
    const card = s.items.find((i) => i.kind === 'question');
    assert.ok(card?.kind === 'question' && card.state === 'withdrawn');
  });

  it('withdraws the card the server stopped waiting on, not another, and a late answer changes nothing', () => {
    const other = { ...request, callId: 'call_2' };
    const asked = run({ type: 'questions', id: 'ask1', request }, { type: 'questions', id: 'ask2', request: other });
    const s = reduce(asked, ev('questionWithdrawn', { callId: 'call_1', reason: 'timeout' }));
    const states = s.items.map((i) => (i.kind === 'question' ? i.state : i.kind));
    assert.deepStrictEqual(states, ['withdrawn', 'pending']);
    const late = reduce(s, { type: 'questionsDecided', id: 'ask1', answers: { db: 'SQLite' } });
    assert.deepStrictEqual(late.items, s.items);
  });

  it('marks the card withdrawn when its request is cancelled ($/cancelRequest)', () => {
    const s = run({ type: 'questions', id: 'ask1', request }, { type: 'questionsDecided', id: 'ask1', answers: null, withdrawn: true });
    const card = s.items[0];
    assert.ok(card.kind === 'question' && card.state === 'withdrawn');
  });

  it('answers as the server reads it: labels or typed text, blanks unanswered, null dismissed', () => {
    assert.deepStrictEqual(userInputResult({ db: 'Postgres', name: '  users ', other: ' ' }), {
      answers: { db: { answers: ['Postgres'] }, name: { answers: ['users'] } },
    });
    assert.strictEqual(userInputResult(null), null);
  });
});
