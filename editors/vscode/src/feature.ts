/**
 * The custom protocol on top of LSP: `experimental.codexApproval`, the `codex/approveEdit`
 * and `codex/approveCommand` requests, `codex/intel` (`experimental.codexIntel`), `codex/requestUserInput`
 * (`experimental.codexUserInput`), `codex/event` notifications, and work-done progress
 * shown as notifications with Cancel.
 */

import * as vscode from 'vscode';
import { FeatureState, LanguageClient, StaticFeature, WorkDoneProgressCreateRequest } from 'vscode-languageclient/node';

import { CodexEvent, isCodexEvent } from './events';
import { ApproveCommandParams, ApproveEditParams } from './approval';
import { Methods } from './constants';
import { answerIntel, IntelRequest } from './intel';
import { UserInputParams, UserInputResult } from './panel/model';
import { ProgressNotifications } from './progress';

/** What the server needs from the rest of the extension. */
export interface ServerHooks {
  log: vscode.LogOutputChannel;
  progress: ProgressNotifications;
  approveEdit(params: ApproveEditParams, token: vscode.CancellationToken): Promise<unknown>;
  approveCommand(params: ApproveCommandParams): Promise<unknown>;
  /** `codex/requestUserInput`: the model's questions, answered in the Codex view. */
  requestUserInput(params: UserInputParams, token: vscode.CancellationToken): Promise<UserInputResult>;
  onEvent(event: CodexEvent): void;
  /** The server could not be started (or keeps stopping); `fix` says which action helps. */
  onStartFailed(message: string, fix?: 'interpreter' | 'settings'): void;
  onStateChange(state: 'starting' | 'running' | 'stopped'): void;
  /** `middleware.executeCommand`: code actions and other `codex.*` commands pass here. */
  executeCommand(command: string, args: unknown[], next: (command: string, args: unknown[]) => unknown): unknown;
}

/** Our custom protocol, (re)attached every time the client starts. */
export class CodexFeature implements StaticFeature {
  private disposables: vscode.Disposable[] = [];

  constructor(
    private readonly client: LanguageClient,
    private readonly hooks: ServerHooks,
  ) {}

  fillClientCapabilities(capabilities: { experimental?: unknown }): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    experimental.codexApproval = true;
    experimental.codexAuthEvents = true; // we prompt on `codex/event {type: "authRequired"}`
    experimental.codexIntel = true; // we answer `codex/intel` from VS Code's language features
    experimental.codexUserInput = true; // the model's questions are a card in the Codex view
    capabilities.experimental = experimental;
  }

  initialize(): void {
    this.clear();
    const { client, hooks } = this;
    this.disposables.push(
      client.onRequest(Methods.approveEdit, (params: ApproveEditParams, token) => hooks.approveEdit(params, token)),
      client.onRequest(Methods.approveCommand, (params: ApproveCommandParams) => hooks.approveCommand(params)),
      client.onRequest(Methods.requestUserInput, (params: UserInputParams, token) => hooks.requestUserInput(params, token)),
      client.onNotification(Methods.event, (event: unknown) => {
        if (isCodexEvent(event)) hooks.onEvent(event);
      }),
      client.onRequest(Methods.intel, (request: IntelRequest) => answerIntel(request)),
      // Registered after the built-in ProgressFeature's, so this one wins.
      client.onRequest(WorkDoneProgressCreateRequest.type, (params) => hooks.progress.create(client, params)),
    );
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  clear(): void {
    this.disposables.forEach((d) => d.dispose());
    this.disposables = [];
    this.hooks.progress.clear();
  }
}

