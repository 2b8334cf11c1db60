/**
 * The status bar item: model and state; while turns run, a spinner and the progress
 * (the one progress UI while the Codex view shows the turn), and a click opens the view.
 */

import * as vscode from 'vscode';

import { CodexEvent, dispatchEvent, SomeEvents } from './events';
import { Commands } from './constants';

export type ServerState = 'starting' | 'ready' | 'noKey' | 'failed' | 'stopped';

/** Status bar: `Codex: <model>`, a spinner while turns run; click for status. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('codex-lsp.status', vscode.StatusBarAlignment.Right, 100);
  private state: ServerState = 'stopped';
  private model = '';
  private detail = '';
  private readonly running = new Set<string>();
  /** `$/progress` lines by token, newest last. */
  private readonly progress = new Map<string, string>();

  constructor() {
    this.item.name = 'Codex';
    this.item.command = Commands.showStatus;
    this.render();
    this.item.show();
  }

  setState(state: ServerState, detail = ''): void {
    this.state = state;
    this.detail = detail;
    if (state !== 'ready' && state !== 'noKey') {
      this.running.clear();
      this.progress.clear();
    }
    this.render();
  }

  setModel(model: string): void {
    this.model = model;
    this.render();
  }

  /** Turns running, by thread (the icon spins while any is). */
  private readonly handlers: SomeEvents = {
    turnStarted: (e) => {
      this.running.add(e.threadId);
      this.render();
    },
    turnFinished: (e) => {
      this.running.delete(e.threadId);
      this.render();
    },
  };

  handle(e: CodexEvent): void {
    dispatchEvent(this.handlers, e);
  }

  /** The progress of one `$/progress` token (undefined: it ended). */
  setProgress(key: string, text: string | undefined): void {
    this.progress.delete(key);
    if (text !== undefined) this.progress.set(key, text);
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
    this.item.command = Commands.showStatus;
    const working = [...this.progress.values()].pop();
    if (this.running.size > 0 || working !== undefined) {
      icon = '$(sync~spin)';
      state = 'working';
      this.item.command = Commands.openPanel;
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
    this.item.text = working ? `${icon} ${shorten(working, 50)}` : `${icon} Codex${model}`;
    const extra = working ? `\n\n${working}` : this.detail ? `\n\n${this.detail}` : '';
    const click = this.item.command === Commands.openPanel ? 'Click to open the Codex view' : 'Click for status';
    this.item.tooltip = `Codex (${state})${model ? ` — model ${this.model}` : ''}${extra}\n${click}`;
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** `text` cut to `max` characters at a word boundary. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
