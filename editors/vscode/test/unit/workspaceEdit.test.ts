import * as assert from 'assert';

import { touchedUris } from '../../src/workspaceEdit';

describe('save after apply: what an edit touched', () => {
  it('names edited, created and renamed-to documents once each, not deleted ones', () => {
    const edit = {
      changes: { 'file:///w/a.py': [] },
      documentChanges: [
        { textDocument: { uri: 'file:///w/a.py', version: 3 }, edits: [] },
        { textDocument: { uri: 'file:///w/b.py', version: null }, edits: [] },
        { kind: 'create' as const, uri: 'file:///w/new.py' },
        { kind: 'rename' as const, oldUri: 'file:///w/old.py', newUri: 'file:///w/moved.py' },
        { kind: 'delete' as const, uri: 'file:///w/gone.py' },
      ],
    };
    assert.deepStrictEqual(touchedUris(edit), ['file:///w/a.py', 'file:///w/b.py', 'file:///w/new.py', 'file:///w/moved.py']);
  });

  it('is empty for an empty edit', () => {
    assert.deepStrictEqual(touchedUris({}), []);
  });
});
