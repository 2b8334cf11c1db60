/**
 * What a `workspace/applyEdit` touched, for "Save after apply" (saveAfterApply.ts).
 * Pure: no `vscode` import, unit-tested in plain Node.
 */

import type { WorkspaceEdit } from 'vscode-languageclient/node';

/** The URIs an LSP `WorkspaceEdit` changes or creates (a rename: its new URI), once each. */
export function touchedUris(edit: WorkspaceEdit): string[] {
  const uris = new Set<string>(Object.keys(edit.changes ?? {}));
  for (const change of edit.documentChanges ?? []) {
    if ('textDocument' in change) uris.add(change.textDocument.uri);
    else if (change.kind === 'create') uris.add(change.uri);
    else if (change.kind === 'rename') uris.add(change.newUri);
  }
  return [...uris];
}
