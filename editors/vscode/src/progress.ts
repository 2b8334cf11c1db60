/**
 * `$/progress` from the server as notifications with a Cancel button.
 *
 * vscode-languageclient shows server-created progress in the status bar
 * (`ProgressLocation.Window`), which has no Cancel button; {@link ProgressNotifications}
 * takes over `window/workDoneProgress/create` (see `CodexFeature` in server.ts) and
 * shows each token as a notification; Cancel sends `window/workDoneProgress/cancel`.
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

class ProgressPart {
  private reporter: vscode.Progress<{ message?: string; increment?: number }> | undefined;
  private finish: (() => void) | undefined;
  private ended = false;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly client: BaseLanguageClient,
    private readonly token: ProgressToken,
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
        if (value.message !== undefined) this.reporter?.report({ message: value.message });
        break;
      case 'end':
        this.done();
        break;
    }
  }

  private begin(value: WorkDoneProgressBegin): void {
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
    this.ended = true;
    this.finish?.();
    this.subscription.dispose();
    this.onDone(this);
  }
}

export class ProgressNotifications implements vscode.Disposable {
  private readonly parts = new Set<ProgressPart>();

  /** Handler for `window/workDoneProgress/create`. */
  create(client: BaseLanguageClient, params: WorkDoneProgressCreateParams): void {
    this.parts.add(new ProgressPart(client, params.token, (p) => this.parts.delete(p)));
  }

  /** Close every notification (the client stopped). */
  clear(): void {
    for (const part of [...this.parts]) part.done();
  }

  dispose(): void {
    this.clear();
  }
}
