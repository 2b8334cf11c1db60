import * as assert from 'assert';

import {
  allHunks,
  applyHunks,
  ApproveEditParams,
  buildAnswer,
  describeHunk,
  describeWholeFile,
  formatCommand,
  keptIndices,
  offersHunkChoice,
  ProposedFile,
  splitLinesKeepEnds,
  WHOLE_FILE,
  withTexts,
} from '../../src/approval';

const A = 'file:///ws/a.py';
const B = 'file:///ws/b.py';
const OLD_A = 'one\ntwo\nthree\nfour\nfive\n';

function file(uri: string, path: string, hunks: ProposedFile['hunks'], oldText = OLD_A): ProposedFile {
  return { uri, path, kind: 'update', moveTo: null, diff: '', oldText, newText: null, hunks };
}

const aHunks: ProposedFile['hunks'] = [
  { index: 0, oldStart: 1, oldLines: ['two\n'], newLines: ['TWO\n'] },
  { index: 1, oldStart: 3, oldLines: ['four\n'], newLines: ['FOUR\n', 'four and a half\n'] },
];
const bHunks: ProposedFile['hunks'] = [{ index: 0, oldStart: 0, oldLines: ['x\n'], newLines: [] }];

const params: ApproveEditParams = {
  threadId: 't1',
  title: 'Codex: shout',
  summary: 'edit a.py (+3 -2); edit b.py (+0 -1)',
  files: [file(A, 'a.py', aHunks), file(B, 'b.py', bHunks, 'x\ny\n')],
};

describe('approval answer', () => {
  it('plain decisions carry no hunks', () => {
    assert.deepStrictEqual(buildAnswer('approve', params), { decision: 'approve' });
    assert.deepStrictEqual(buildAnswer('approveForSession', params), { decision: 'approveForSession' });
    assert.deepStrictEqual(buildAnswer('reject', params, allHunks(params)), { decision: 'reject' });
  });

  it('keeping every hunk is a plain approve', () => {
    assert.deepStrictEqual(buildAnswer('approve', params, allHunks(params)), { decision: 'approve' });
  });

  it('lists kept hunk indices per file uri, leaving out files kept whole', () => {
    const kept = [
      { uri: A, index: 1 },
      { uri: B, index: 0 },
    ];
    assert.deepStrictEqual(buildAnswer('approve', params, kept), { decision: 'approve', hunks: { [A]: [1] } });
  });

  it('a file with no kept hunk gets an empty list (dropped)', () => {
    const kept = [
      { uri: A, index: 0 },
      { uri: A, index: 1 },
    ];
    assert.deepStrictEqual(buildAnswer('approve', params, kept), { decision: 'approve', hunks: { [B]: [] } });
  });

  it('keeping nothing rejects', () => {
    assert.deepStrictEqual(buildAnswer('approve', params, []), { decision: 'reject' });
  });

  it('files without hunks (new, deleted) are kept or dropped whole', () => {
    const C = 'file:///ws/c.py';
    const added: ProposedFile = { ...file(C, 'c.py', []), kind: 'add', oldText: null, newText: 'x\ny\n' };
    const withNew = { ...params, files: [file(A, 'a.py', aHunks), added] };
    assert.deepStrictEqual(allHunks(withNew), [
      { uri: A, index: 0 },
      { uri: A, index: 1 },
      { uri: C, index: WHOLE_FILE },
    ]);
    assert.deepStrictEqual(buildAnswer('approve', withNew, [{ uri: A, index: 0 }, { uri: A, index: 1 }]), {
      decision: 'approve',
      hunks: { [C]: [] },
    });
    assert.deepStrictEqual(buildAnswer('approve', withNew, [{ uri: C, index: WHOLE_FILE }, { uri: A, index: 1 }]), {
      decision: 'approve',
      hunks: { [A]: [1] },
    });
    assert.deepStrictEqual(describeWholeFile(added), { label: 'c.py: new file', detail: '3 lines' });
    assert.deepStrictEqual([...keptIndices(added, [{ uri: C, index: WHOLE_FILE }])], [WHOLE_FILE]);
  });

  it('offers a hunk choice only with more than one thing to choose', () => {
    assert.strictEqual(offersHunkChoice(params), true);
    assert.strictEqual(offersHunkChoice({ ...params, files: [file(B, 'b.py', bHunks)] }), false);
    const added: ProposedFile = { ...file(B, 'b.py', []), kind: 'add', oldText: null, newText: 'x\n' };
    assert.strictEqual(offersHunkChoice({ ...params, files: [added] }), false);
    assert.strictEqual(offersHunkChoice({ ...params, files: [added, file(A, 'a.py', [aHunks[0]])] }), true);
    assert.deepStrictEqual(allHunks(params), [
      { uri: A, index: 0 },
      { uri: A, index: 1 },
      { uri: B, index: 0 },
    ]);
  });
});

describe('applying chosen hunks', () => {
  it('applies all, some or none', () => {
    assert.strictEqual(applyHunks(OLD_A, aHunks, new Set([0, 1])), 'one\nTWO\nthree\nFOUR\nfour and a half\nfive\n');
    assert.strictEqual(applyHunks(OLD_A, aHunks, new Set([1])), 'one\ntwo\nthree\nFOUR\nfour and a half\nfive\n');
    assert.strictEqual(applyHunks(OLD_A, aHunks, new Set()), OLD_A);
  });

  it('handles insertions, deletions and a last line without newline', () => {
    const insert = [{ index: 0, oldStart: 1, oldLines: [], newLines: ['new\n'] }];
    assert.strictEqual(applyHunks('a\nb', insert, new Set([0])), 'a\nnew\nb');
    const del = [{ index: 0, oldStart: 0, oldLines: ['a\n'], newLines: [] }];
    assert.strictEqual(applyHunks('a\nb', del, new Set([0])), 'b');
    const last = [{ index: 0, oldStart: 1, oldLines: ['b'], newLines: ['B'] }];
    assert.strictEqual(applyHunks('a\nb', last, new Set([0])), 'a\nB');
  });

  it('skips a hunk that does not match the text', () => {
    const stale = [{ index: 0, oldStart: 0, oldLines: ['zzz\n'], newLines: ['q\n'] }];
    assert.strictEqual(applyHunks(OLD_A, stale, new Set([0])), OLD_A);
  });

  it('keeps CRLF line endings', () => {
    const crlf = [{ index: 0, oldStart: 0, oldLines: ['a'], newLines: ['A'] }];
    assert.strictEqual(applyHunks('a\r\nb\r\n', crlf, new Set([0])), 'A\r\nb\r\n');
    assert.deepStrictEqual(splitLinesKeepEnds('a\r\nb'), ['a\r\n', 'b']);
  });
});

describe('labels', () => {
  it('describes a hunk for the QuickPick', () => {
    assert.deepStrictEqual(describeHunk(params.files[0], aHunks[1]), {
      label: 'a.py: line 4 (+2 -1)',
      detail: 'FOUR',
    });
  });

  it('formats a command line', () => {
    assert.strictEqual(formatCommand(['pytest', '-q', 'tests/a b.py', "it's"]), "pytest -q 'tests/a b.py' 'it'\\''s'");
  });
});

describe('an update sent without its texts', () => {
  const lean: ProposedFile = { ...file(A, 'a.py', aHunks), oldText: null, newText: null };

  it('takes the document as the old text and applies every hunk to it', () => {
    const full = withTexts(lean, OLD_A);
    assert.strictEqual(full.oldText, OLD_A);
    assert.strictEqual(full.newText, 'one\nTWO\nthree\nFOUR\nfour and a half\nfive\n');
  });

  it('leaves files that came with texts, and added or deleted files, alone', () => {
    const sent: ProposedFile = { ...lean, oldText: 'a\n', newText: 'b\n' };
    assert.strictEqual(withTexts(sent, OLD_A), sent);
    const added: ProposedFile = { ...lean, kind: 'add', newText: 'x\n', hunks: [] };
    assert.strictEqual(withTexts(added, OLD_A), added);
  });
});
