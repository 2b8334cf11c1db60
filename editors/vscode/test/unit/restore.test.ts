import * as assert from 'assert';

import type { CodexEvent, CodexEventType } from '../../src/events';

import type { ApproveEditParams } from '../../src/approval';
import { Action, initialState, PanelState, reduce } from '../../src/panel/model';
import { applyAllHunks, restoredState, toSaved } from '../../src/panel/restore';

const T = 'thread-1';
/** A server event; fields the server always sends but a case does not need are left out. */
const ev = (type: CodexEventType, extra: Record<string, unknown> = {}): Action => ({
  type: 'event',
  event: { threadId: T, type, ...extra } as CodexEvent,
});

const PROPOSAL: ApproveEditParams = {
  threadId: T,
  title: 'Codex: use an f-string',
  summary: 'edit hello.py (+1 -1)',
  files: [
    {
      uri: 'file:///w/hello.py',
      path: 'hello.py',
      kind: 'update',
      moveTo: null,
      diff: '',
      oldText: null,
      newText: null,
      hunks: [{ index: 0, oldStart: 1, oldLines: ["    return 'hi ' + name\n"], newLines: ['    return f"hi {name}"\n'] }],
    },
  ],
};

function midTurn(): PanelState {
  return [
    { type: 'prompt', text: 'use an f-string', chips: ['hello.py'] } as Action,
    ev('turnStarted'),
    ev('reasoning', { delta: 'Look' }),
    ev('tool', { phase: 'begin', name: 'shell', callId: 's1', detail: 'shell ls' }),
    ev('tool', { phase: 'begin', name: 'apply_patch', callId: 'p1', detail: 'apply_patch hello.py' }),
    { type: 'proposal', id: 'edit1', proposal: { title: PROPOSAL.title, summary: PROPOSAL.summary, files: [{ path: 'hello.py', kind: 'update' }] } } as Action,
    { type: 'approval', id: 'cmd1', request: { threadId: T, command: ['rm', 'x'], cwd: '/w' } } as Action,
  ].reduce(reduce, initialState());
}

describe('Codex view: restored after a reload', () => {
  it('comes back as it was, with the pending card still pending and nothing running', () => {
    const saved = JSON.parse(JSON.stringify(toSaved(midTurn(), new Map([['edit1', PROPOSAL]]))));
    const restored = restoredState(saved);
    assert.ok(restored);
    const { state, proposals } = restored;
    assert.equal(state.busy, false);
    assert.deepEqual([...proposals.keys()], ['edit1']);
    const byKind = (k: string) => state.items.filter((i) => i.kind === k);
    assert.deepEqual(byKind('user').map((i) => (i as { text: string }).text), ['use an f-string']);
    assert.equal((byKind('reasoning')[0] as { streaming: boolean }).streaming, false);
    assert.equal((byKind('tool')[0] as { state: string }).state, 'failed', 'the running command is over');
    assert.equal((byKind('change')[0] as { state: string }).state, 'pending');
    assert.equal((byKind('approval')[0] as { state: string }).state, 'withdrawn');
  });

  it('shows questions the old server asked as dismissed (nobody waits for the answer)', () => {
    const asked = reduce(initialState(), { type: 'questions', id: 'ask1', request: { threadId: T, callId: 'c1', questions: [{ id: 'q', header: 'H', question: 'Q?', options: [] }] } });
    const card = restoredState(JSON.parse(JSON.stringify(toSaved(asked, new Map()))))?.state.items[0];
    assert.ok(card?.kind === 'question' && card.state === 'dismissed');
  });

  it('withdraws a pending card whose proposal was not saved, and ignores foreign data', () => {
    const restored = restoredState(toSaved(midTurn(), new Map()));
    assert.equal((restored?.state.items.find((i) => i.kind === 'change') as { state: string }).state, 'withdrawn');
    assert.equal(restoredState(undefined), undefined);
    assert.equal(restoredState({ version: 2 }), undefined);
  });

  it('saves only the proposals of cards still pending', () => {
    const settled = reduce(midTurn(), { type: 'cardSettled', id: 'edit1', state: 'applied' });
    assert.deepEqual(toSaved(settled, new Map([['edit1', PROPOSAL]])).proposals, {});
  });

  it('applies every hunk to the current text, or reports it stale', () => {
    const text = "def greet(name):\n    return 'hi ' + name\n";
    assert.equal(applyAllHunks(text, PROPOSAL.files[0].hunks), 'def greet(name):\n    return f"hi {name}"\n');
    assert.equal(applyAllHunks('def greet(name):\n    return name\n', PROPOSAL.files[0].hunks), undefined);
  });
});
