/**
 * Apply a change card restored after a reload (restore.ts): its server is gone, so the
 * proposal is written into the editor here, as one workspace edit, unless a file no
 * longer holds what the proposal was made from.
 */

import * as vscode from 'vscode';

import { keptIndices, WHOLE_FILE } from '../approval';
import type { ApproveEditParams, HunkRef, ProposedFile } from '../approval';
import { saveAfterApplyEnabled } from '../saveAfterApply';
import { applyAllHunks } from './restore';

/** Apply `params` (only the `kept` hunks, if given); undefined when applied, else why not. */
export async function applyRestored(params: ApproveEditParams, kept?: HunkRef[]): Promise<string | undefined> {
  const edit = new vscode.WorkspaceEdit();
  for (const whole of params.files) {
    const keep = kept ? keptIndices(whole, kept) : undefined;
    if (keep && (whole.hunks.length === 0 ? !keep.has(WHOLE_FILE) : keep.size === 0)) continue;
    const file = keep ? { ...whole, newText: whole.kind === 'update' ? null : whole.newText, hunks: whole.hunks.filter((h) => keep.has(h.index)) } : whole;
    const problem = await addFile(edit, file);
    if (problem) return problem;
  }
  if (!(await vscode.workspace.applyEdit(edit))) return 'the editor refused the edit';
  if (saveAfterApplyEnabled()) {
    const touched = new Set(params.files.map((f) => vscode.Uri.parse(f.uri).toString()));
    await Promise.all(vscode.workspace.textDocuments.filter((d) => touched.has(d.uri.toString()) && d.isDirty).map((d) => d.save()));
  }
  return undefined;
}

async function addFile(edit: vscode.WorkspaceEdit, file: ProposedFile): Promise<string | undefined> {
  const uri = vscode.Uri.parse(file.uri);
  if (file.kind === 'delete') {
    edit.deleteFile(uri, { ignoreIfNotExists: true });
    return undefined;
  }
  if (file.kind === 'add') {
    edit.createFile(uri, { overwrite: false, ignoreIfExists: false });
    edit.insert(uri, new vscode.Position(0, 0), file.newText ?? '');
    return undefined;
  }
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(uri);
  } catch {
    return `${file.path} is gone`;
  }
  const current = doc.getText();
  const next = file.newText !== null && file.oldText === current ? file.newText : applyAllHunks(current, file.hunks);
  if (next === undefined) return `${file.path} changed since the proposal`;
  if (file.moveTo) return `moving ${file.path} is not offered after a reload: ask again`;
  edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(current.length)), next);
  return undefined;
}
