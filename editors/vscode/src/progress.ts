/**
 * `$/progress` from the server: one progress UI at a time.
 *
 * vscode-languageclient shows server-created progress in the status bar
 * (`ProgressLocation.Window`), which has no Cancel button; {@link ProgressNotifications}
 * takes over `window/workDoneProgress/create` (see `CodexFeature` in server.ts). Every
 * token is reported to the status bar item (`ProgressHooks.status`); a notification with
 * Cancel (`window/workDoneProgress/cancel`) is shown only while the Codex view, which shows
 * the turn with its own Stop button, is not (`ProgressHooks.quiet`).
 */

import * as vscode from 'vscode';
import {
  BaseLanguageClient,
  ProgressToken,
  WorkDoneProgress,
  WorkDoneProgressBegin,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateParams,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from 'vscode-languageclient/node';

type Value = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

export interface ProgressHooks {
  /** True while another UI (the Codex view) shows the work: no notification then. */
  quiet: () => boolean;
  /** The progress of `key` as one line for the status bar; undefined when it ended. */
  status: (key: string, text: string | undefined) => void;
}

class ProgressPart {
  private reporter: vscode.Progress<{ message?: string; increment?: number }> | undefined;
  private finish: (() => void) | undefined;
  private ended = false;
  private title = '';
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly client: BaseLanguageClient,
    private readonly token: ProgressToken,
    private readonly hooks: ProgressHooks,
    private readonly onDone: (part: ProgressPart) => void,
  ) {
    this.subscription = client.onProgress(WorkDoneProgress.type, token, (value: Value) => this.handle(value));
  }

  private handle(value: Value): void {
    switch (value.kind) {
      case 'begin':
        this.begin(value);
        break;
      case 'report':
        if (value.message !== undefined) {
          this.reporter?.report({ message: value.message });
          this.showStatus(value.message);
        }
        break;
      case 'end':
        this.done();
        break;
    }
  }

  private showStatus(message: string | undefined): void {
    this.hooks.status(String(this.token), message ? `${this.title}: ${message}` : this.title);
  }

  private begin(value: WorkDoneProgressBegin): void {
    this.title = value.title;
    this.showStatus(value.message);
    if (this.hooks.quiet()) return;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: value.title, cancellable: value.cancellable === true },
      (progress, cancel) => {
        this.reporter = progress;
        if (value.message) progress.report({ message: value.message });
        cancel.onCancellationRequested(() => {
          void this.client
            .sendNotification(WorkDoneProgressCancelNotification.type, { token: this.token })
            .catch(() => undefined);
        });
        return new Promise<void>((resolve) => {
          this.finish = resolve;
          if (this.ended) resolve();
        });
      },
    );
  }

  done(): void {
    if (!this.ended) this.hooks.status(String(this.token), undefined);
    this.ended = true;
    this.finish?.();
    this.subscription.dispose();
    this.onDone(this);
  }
}

export class ProgressNotifications implements vscode.Disposable {
  private readonly parts = new Set<ProgressPart>();

  constructor(private readonly hooks: ProgressHooks) {}

  /** Handler for `window/workDoneProgress/create`. */
  create(client: BaseLanguageClient, params: WorkDoneProgressCreateParams): void {
    this.parts.add(new ProgressPart(client, params.token, this.hooks, (p) => this.parts.delete(p)));
  }

  /** Close every notification (the client stopped). */
  clear(): void {
    for (const part of [...this.parts]) part.done();
  }

  dispose(): void {
    this.clear();
  }
}
