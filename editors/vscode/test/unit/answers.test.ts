import * as assert from 'assert';

import { AnswerStream } from '../../src/answers';

function stream(): { text: () => string; s: AnswerStream } {
  let out = '';
  const s = new AnswerStream({ append: (t) => (out += t), appendLine: (t) => (out += `${t}\n`) });
  return { text: () => out, s };
}

describe('codex/event -> output text', () => {
  it('writes a turn: title, streamed text, tool steps, plan, end', () => {
    const { text, s } = stream();
    const t = 'thread-1';
    s.handle({ threadId: t, type: 'turnStarted', title: 'Codex: use an f-string' });
    s.handle({ threadId: t, type: 'text', delta: 'Updating ' });
    s.handle({ threadId: t, type: 'text', delta: 'greet.' });
    s.handle({ threadId: t, type: 'tool', name: 'apply_patch', detail: 'apply_patch hello.py', phase: 'begin' });
    s.handle({ threadId: t, type: 'tool', name: 'apply_patch', detail: 'apply_patch hello.py', phase: 'end', ok: true });
    s.handle({ threadId: t, type: 'tool', name: 'shell', detail: 'pytest -q', phase: 'end', ok: false });
    s.handle({
      threadId: t,
      type: 'plan',
      plan: [
        { step: 'read', status: 'completed' },
        { step: 'edit', status: 'in_progress' },
      ],
    });
    s.handle({ threadId: t, type: 'turnFinished', status: 'applied', changedFiles: ['hello.py'] });
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
    s.handle({ threadId: 't', type: 'textReset' });
    s.handle({ threadId: 't', type: 'approvalWithdrawn', kind: 'command' });
    s.handle({ threadId: 't', type: 'notice', message: 'retrying', level: 'warning' });
    s.handle({ threadId: 't', type: 'turnFinished', status: 'failed', error: 'boom' });
    s.handle({ threadId: 't', type: 'somethingNew' });
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
});
