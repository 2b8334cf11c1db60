/**
 * Streamed `codex/event` notifications as text for the "Codex" output channel:
 * answers as they arrive, tool steps, plans, notices, the end of each turn.
 *
 * Pure (the channel is any {@link TextSink}): unit-tested in plain Node.
 */

/** What an output channel offers that we use. */
export interface TextSink {
  append(text: string): void;
  appendLine(text: string): void;
}

export interface CodexEvent {
  threadId: string;
  type: string;
  [key: string]: unknown;
}

/** Writes the conversation to an output channel as it streams. */
export class AnswerStream {
  private atLineStart = true;

  constructor(private readonly channel: TextSink) {}

  handle(e: CodexEvent): void {
    switch (e.type) {
      case 'turnStarted':
        this.line(`\n── ${String(e.title ?? 'Codex')} ──`);
        break;
      case 'text':
        this.write(String(e.delta ?? ''));
        break;
      case 'textReset':
        this.line('[the answer was interrupted and is being retried]');
        break;
      case 'tool': {
        const phase = e.phase === 'begin' ? '▶' : e.ok === false ? '✗' : '✓';
        const name = String(e.name ?? '');
        const detail = String(e.detail ?? '');
        this.line(`${phase} ${detail.startsWith(name) ? detail : `${name} ${detail}`.trim()}`);
        break;
      }
      case 'webSearch':
        if (e.phase === 'end') this.line(`✓ ${String(e.detail ?? 'Searching the web')}`);
        break;
      case 'plan': {
        const plan = Array.isArray(e.plan) ? (e.plan as { step: string; status: string }[]) : [];
        const marks: Record<string, string> = { completed: '[x]', in_progress: '[~]', pending: '[ ]' };
        this.line(['Plan:', ...plan.map((s) => `  ${marks[s.status] ?? '[ ]'} ${s.step}`)].join('\n'));
        break;
      }
      case 'notice':
        this.line(`${e.level === 'error' ? '✗' : '!'} ${String(e.message ?? '')}`);
        break;
      case 'approvalWithdrawn':
        this.line(`! no answer in time: the ${e.kind === 'command' ? 'command' : 'edit'} was not approved`);
        break;
      case 'turnFinished': {
        const files = Array.isArray(e.changedFiles) && e.changedFiles.length ? `: ${e.changedFiles.join(', ')}` : '';
        const error = e.error ? ` (${String(e.error)})` : '';
        this.line(`── ${String(e.status ?? 'finished')}${files}${error} ──`);
        break;
      }
      default:
        break;
    }
  }

  /** A block of text of our own (status, thread history). */
  line(text: string): void {
    if (!this.atLineStart) this.channel.appendLine('');
    this.channel.appendLine(text);
    this.atLineStart = true;
  }

  private write(text: string): void {
    if (!text) return;
    this.channel.append(text);
    this.atLineStart = text.endsWith('\n');
  }
}

