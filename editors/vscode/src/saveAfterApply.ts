/**
 * `codex.saveAfterApply`: after the server's `workspace/applyEdit` is applied, save the
 * documents it touched, so an approved change is on disk (as the Codex CLI leaves it)
 * instead of "Applied (save to keep)". Off by default: the user saves.
 */

import * as vscode from 'vscode';
import type { ApplyWorkspaceEditParams, ApplyWorkspaceEditResult } from 'vscode-languageclient/node';
import { ResponseError } from 'vscode-languageclient/node';

import { SETTINGS_SECTION, Settings } from './constants';
import { touchedUris } from './workspaceEdit';

type Answer = ApplyWorkspaceEditResult | ResponseError<void>;
type Next = (params: ApplyWorkspaceEditParams) => Answer | Thenable<Answer>;

export function saveAfterApplyEnabled(): boolean {
  return vscode.workspace.getConfiguration(SETTINGS_SECTION).get<boolean>(Settings.saveAfterApply) === true;
}

/** `middleware.workspace.handleApplyEdit`: apply, then save what it touched if the setting is on. */
export async function applyAndSave(
  params: ApplyWorkspaceEditParams,
  next: Next,
  log: vscode.LogOutputChannel,
): Promise<Answer> {
  const result = await next(params);
  if (result instanceof ResponseError || !result.applied || !saveAfterApplyEnabled()) return result;
  const wanted = new Set(touchedUris(params.edit).map((u) => vscode.Uri.parse(u).toString()));
  for (const doc of vscode.workspace.textDocuments) {
    if (!wanted.has(doc.uri.toString()) || !doc.isDirty) continue;
    if (!(await doc.save())) log.warn(`codex.saveAfterApply: could not save ${doc.uri.fsPath}`);
  }
  return result;
}
