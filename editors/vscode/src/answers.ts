/**
 * Streamed `codex/event` notifications as text for the "Codex" output channel:
 * answers as they arrive, tool steps, plans, notices, the end of each turn.
 *
 * Pure (the channel is any {@link TextSink}): unit-tested in plain Node.
 */

import { CodexEvent, dispatchEvent, SomeEvents } from './events';

/** What an output channel offers that we use. */
export interface TextSink {
  append(text: string): void;
  appendLine(text: string): void;
}

/** Writes the conversation to an output channel as it streams. */
export class AnswerStream {
  private atLineStart = true;

  constructor(private readonly channel: TextSink) {}

  /** What each kind writes (kinds not listed write nothing). */
  private readonly handlers: SomeEvents = {
    turnStarted: (e) => this.line(`\n── ${e.title || 'Codex'} ──`),
    text: (e) => this.write(e.delta),
    textReset: () => this.line('[the answer was interrupted and is being retried]'),
    tool: (e) => {
      const phase = e.phase === 'begin' ? '▶' : e.ok === false ? '✗' : '✓';
      this.line(`${phase} ${e.detail.startsWith(e.name) ? e.detail : `${e.name} ${e.detail}`.trim()}`);
    },
    webSearch: (e) => {
      if (e.phase === 'end') this.line(`✓ ${e.detail || 'Searching the web'}`);
    },
    plan: (e) => {
      const marks: Record<string, string> = { completed: '[x]', in_progress: '[~]', pending: '[ ]' };
      this.line(['Plan:', ...e.plan.map((s) => `  ${marks[s.status] ?? '[ ]'} ${s.step}`)].join('\n'));
    },
    notice: (e) => this.line(`${e.level === 'error' ? '✗' : '!'} ${e.message}`),
    approvalWithdrawn: (e) =>
      this.line(`! no answer in time: the ${e.kind === 'command' ? 'command' : 'edit'} was not approved`),
    turnFinished: (e) => {
      const files = e.changedFiles?.length ? `: ${e.changedFiles.join(', ')}` : '';
      const error = e.error ? ` (${e.error})` : '';
      this.line(`── ${e.status || 'finished'}${files}${error} ──`);
    },
  };

  handle(e: CodexEvent): void {
    dispatchEvent(this.handlers, e);
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

