/** The status bar item: model and state, a spinner while turns run; click for status. */

import * as vscode from 'vscode';

import { CodexEvent } from './answers';
import { Commands } from './constants';

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
