/**
 * Streamed `codex/event` notifications -> the "Codex" output channel (answers as
 * they arrive, tool steps, plans), and the status bar item (model, state).
 */

import * as vscode from 'vscode';

import { Commands } from './constants';

export interface CodexEvent {
  threadId: string;
  type: string;
  [key: string]: unknown;
}

/** Writes the conversation to an output channel as it streams. */
export class AnswerStream {
  private atLineStart = true;

  constructor(private readonly channel: vscode.OutputChannel) {}

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
      case 'plan': {
        const plan = Array.isArray(e.plan) ? (e.plan as { step: string; status: string }[]) : [];
        const marks: Record<string, string> = { completed: '[x]', in_progress: '[~]', pending: '[ ]' };
        this.line(['Plan:', ...plan.map((s) => `  ${marks[s.status] ?? '[ ]'} ${s.step}`)].join('\n'));
        break;
      }
      case 'notice':
        this.line(`${e.level === 'error' ? '✗' : '!'} ${String(e.message ?? '')}`);
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

export type ServerState = 'starting' | 'ready' | 'noKey' | 'failed' | 'stopped';

/** Status bar: `Codex: <model>`, a spinner while turns run; click for status. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('codex-lsp.status', vscode.StatusBarAlignment.Right, 100);
  private state: ServerState = 'stopped';
  private model = '';
  private detail = '';
  private readonly running = new Set<string>();

  constructor() {
    this.item.name = 'Codex';
    this.item.command = Commands.showStatus;
    this.render();
    this.item.show();
  }

  setState(state: ServerState, detail = ''): void {
    this.state = state;
    this.detail = detail;
    if (state !== 'ready' && state !== 'noKey') this.running.clear();
    this.render();
  }

  setModel(model: string): void {
    this.model = model;
    this.render();
  }

  handle(e: CodexEvent): void {
    if (e.type === 'turnStarted') this.running.add(e.threadId);
    else if (e.type === 'turnFinished') this.running.delete(e.threadId);
    else return;
    this.render();
  }

  get busy(): boolean {
    return this.running.size > 0;
  }

  private render(): void {
    const model = this.model ? `: ${this.model}` : '';
    let icon = '$(sparkle)';
    let state = 'ready';
    this.item.backgroundColor = undefined;
    if (this.running.size > 0) {
      icon = '$(sync~spin)';
      state = 'working';
    } else if (this.state === 'starting') {
      icon = '$(loading~spin)';
      state = 'starting';
    } else if (this.state === 'noKey') {
      icon = '$(warning)';
      state = 'no API key';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (this.state === 'failed') {
      icon = '$(error)';
      state = 'not running';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (this.state === 'stopped') {
      icon = '$(circle-slash)';
      state = 'stopped';
    }
    this.item.text = `${icon} Codex${model}`;
    const extra = this.detail ? `\n\n${this.detail}` : '';
    this.item.tooltip = `Codex (${state})${model ? ` — model ${this.model}` : ''}${extra}\nClick for status`;
  }

  dispose(): void {
    this.item.dispose();
  }
}
