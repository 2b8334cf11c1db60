import * as assert from 'assert';

import { AnswerStream } from '../../src/answers';
import { CodexEvent, isCodexEvent } from '../../src/events';

/** A server event; fields the server always sends but a case does not need are left out. */
const ev = (e: { type: CodexEvent['type']; [key: string]: unknown }) => e as unknown as CodexEvent;

function stream(): { text: () => string; s: AnswerStream } {
  let out = '';
  const s = new AnswerStream({ append: (t) => (out += t), appendLine: (t) => (out += `${t}\n`) });
  return { text: () => out, s };
}

describe('codex/event -> output text', () => {
  it('writes a turn: title, streamed text, tool steps, plan, end', () => {
    const { text, s } = stream();
    const t = 'thread-1';
    s.handle(ev({ threadId: t, type: 'turnStarted', title: 'Codex: use an f-string' }));
    s.handle(ev({ threadId: t, type: 'text', delta: 'Updating ' }));
    s.handle(ev({ threadId: t, type: 'text', delta: 'greet.' }));
    s.handle(ev({ threadId: t, type: 'tool', name: 'apply_patch', detail: 'apply_patch hello.py', phase: 'begin' }));
    s.handle(ev({ threadId: t, type: 'tool', name: 'apply_patch', detail: 'apply_patch hello.py', phase: 'end', ok: true }));
    s.handle(ev({ threadId: t, type: 'tool', name: 'shell', detail: 'pytest -q', phase: 'end', ok: false }));
    s.handle(ev({
      threadId: t,
      type: 'plan',
      plan: [
        { step: 'read', status: 'completed' },
        { step: 'edit', status: 'in_progress' },
      ],
    }));
    s.handle(ev({ threadId: t, type: 'turnFinished', status: 'applied', changedFiles: ['hello.py'] }));
    assert.strictEqual(
      text(),
      [
        '',
        '── Codex: use an f-string ──',
        'Updating greet.',
        '▶ apply_patch hello.py',
        '✓ apply_patch hello.py',
        '✗ shell pytest -q',
        'Plan:',
        '  [x] read',
        '  [~] edit',
        '── applied: hello.py ──',
        '',
      ].join('\n'),
    );
  });

  it('notes retries, withdrawn approvals, notices and errors', () => {
    const { text, s } = stream();
    s.handle(ev({ threadId: 't', type: 'textReset' }));
    s.handle(ev({ threadId: 't', type: 'approvalWithdrawn', kind: 'command' }));
    s.handle(ev({ threadId: 't', type: 'notice', message: 'retrying', level: 'warning' }));
    s.handle(ev({ threadId: 't', type: 'turnFinished', status: 'failed', error: 'boom' }));
    assert.strictEqual(
      text(),
      [
        '[the answer was interrupted and is being retried]',
        '! no answer in time: the command was not approved',
        '! retrying',
        '── failed (boom) ──',
        '',
      ].join('\n'),
    );
  });

  it('knows the kinds it handles and no others (a newer server may send more)', () => {
    assert.ok(isCodexEvent({ type: 'turnFinished', threadId: 't', status: 'applied' }));
    assert.ok(!isCodexEvent({ type: 'somethingNew', threadId: 't' }));
    assert.ok(!isCodexEvent({ type: 'toString' }));
    assert.ok(!isCodexEvent(null));
  });
});
