import * as assert from 'assert';

import { ApproveEditParams, buildAnswer, cardHunks, keptFromCard } from '../../src/approval';
import { Action, initialState, reduce } from '../../src/panel/model';

const A = 'file:///w/a.py';
const B = 'file:///w/b.py';
const PARAMS: ApproveEditParams = {
  threadId: 't',
  title: 'Codex: tidy',
  summary: 'edit a.py (+2 -2), add b.py',
  files: [
    {
      uri: A, path: 'a.py', kind: 'update', moveTo: null, diff: '', oldText: null, newText: null,
      hunks: [
        { index: 0, oldStart: 0, oldLines: ['x = 1\n'], newLines: ['x = 2\n'] },
        { index: 1, oldStart: 9, oldLines: ['y = 1\n'], newLines: ['y = 2\n'] },
      ],
    },
    { uri: B, path: 'b.py', kind: 'add', moveTo: null, diff: '', oldText: null, newText: 'z = 3\n', hunks: [] },
  ],
};

describe('review card: per-hunk Apply / Reject', () => {
  it('lists every hunk and every file without hunks, all kept to start with', () => {
    const hunks = cardHunks(PARAMS);
    assert.deepEqual(hunks.map((h) => [h.uri, h.index, h.label, h.kept]), [
      [A, 0, 'a.py: line 1 (+1 -1)', true],
      [A, 1, 'a.py: line 10 (+1 -1)', true],
      [B, -1, 'b.py: new file', true],
    ]);
    assert.equal(keptFromCard(hunks), undefined, 'all kept: a plain Apply');
    assert.deepEqual(cardHunks({ ...PARAMS, files: [{ ...PARAMS.files[1] }] }), [], 'one thing: no choice');
  });

  it('a rejected hunk leaves the card, and the answer keeps the others', () => {
    const proposal = { title: PARAMS.title, summary: PARAMS.summary, files: [], hunks: cardHunks(PARAMS) };
    const s = [
      { type: 'proposal', id: 'e1', proposal } as Action,
      { type: 'hunkChoice', id: 'e1', hunk: 1, kept: false } as Action,
      { type: 'hunkChoice', id: 'e1', hunk: 2, kept: false } as Action,
    ].reduce(reduce, initialState());
    const card = s.items[0];
    assert.ok(card.kind === 'change' && card.hunks);
    const kept = keptFromCard(card.hunks);
    assert.deepEqual(kept, [{ uri: A, index: 0 }]);
    assert.deepEqual(buildAnswer('approve', PARAMS, kept), { decision: 'approve', hunks: { [A]: [0], [B]: [] } });
  });

  it('ignores a choice on a card no longer pending', () => {
    const proposal = { title: 'x', summary: 'y', files: [], hunks: cardHunks(PARAMS) };
    const s = [
      { type: 'proposal', id: 'e1', proposal } as Action,
      { type: 'proposalDecided', id: 'e1', decision: 'reject' } as Action,
      { type: 'hunkChoice', id: 'e1', hunk: 0, kept: false } as Action,
    ].reduce(reduce, initialState());
    const card = s.items[0];
    assert.ok(card.kind === 'change' && card.hunks?.[0].kept === true);
  });
});
