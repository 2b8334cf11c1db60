/**
 * What a prompt carries besides its text: the context chips (the active editor's file or
 * selection, files added with `@`) and dropped images' thumbnails. Apart from the host,
 * which routes the webview's messages: this part follows the editor, not the conversation.
 */

import * as vscode from 'vscode';

import type { CodexServer } from '../server';
import { errorText } from '../server';
import { imageMime } from './images';
import type { ToWebview } from './messages';
import type { Chip } from './model';

/** Dropped image files up to this size get a thumbnail (larger ones: an icon). */
const MAX_THUMB_BYTES = 8 * 1024 * 1024;

/** The chips attached to the next prompt; `changed` is called whenever they change. */
export class ContextChips implements vscode.Disposable {
  private list: Chip[] = [];
  /** The active editor's file or selection is attached until the user removes it. */
  private autoContext = true;
  private counter = 0;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly server: CodexServer,
    private readonly changed: () => void,
  ) {
    this.disposables = [
      vscode.window.onDidChangeActiveTextEditor(() => {
        this.autoContext = true;
        this.refresh();
      }),
      vscode.window.onDidChangeTextEditorSelection(() => this.refresh()),
    ];
  }

  get chips(): readonly Chip[] {
    return this.list;
  }

  /** The chips for the prompt being sent; the active editor stays attached to the next one. */
  take(): Chip[] {
    const chips = this.list;
    this.list = [];
    this.refresh();
    return chips;
  }

  /** The user removed a chip (removing the active editor's stops attaching it until it changes). */
  remove(id: string): void {
    if (id === 'auto') this.autoContext = false;
    this.list = this.list.filter((c) => c.id !== id);
    this.changed();
  }

  addFile(uri: string): void {
    const chip = this.chipFor(vscode.Uri.parse(uri), `file${++this.counter}`);
    if (!this.list.some((c) => c.kind === 'file' && c.path === chip.path)) this.list.push(chip);
    this.changed();
  }

  refresh(): void {
    const editor = vscode.window.activeTextEditor;
    const chips = this.list.filter((c) => c.id !== 'auto');
    if (this.autoContext && editor && editor.document.uri.scheme === 'file') {
      chips.unshift(this.chipFor(editor.document.uri, 'auto', editor.selection, editor.document));
    }
    this.list = chips;
    this.changed();
  }

  /** A URI as the server reads it. */
  wireUri(uri: vscode.Uri): string {
    const client = this.server.languageClient;
    return client ? client.code2ProtocolConverter.asUri(uri) : uri.toString();
  }

  private chipFor(uri: vscode.Uri, id: string, selection?: vscode.Selection, doc?: vscode.TextDocument): Chip {
    const path = vscode.workspace.asRelativePath(uri);
    const wire = this.wireUri(uri);
    if (selection && doc && !selection.isEmpty) {
      return {
        id,
        kind: 'selection',
        path,
        uri: wire,
        startLine: selection.start.line + 1,
        endLine: selection.end.line + 1,
        text: doc.getText(selection),
        range: {
          start: { line: selection.start.line, character: selection.start.character },
          end: { line: selection.end.line, character: selection.end.character },
        },
      };
    }
    return { id, kind: 'file', path, uri: wire };
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

/** The open files whose path contains `query`, for the `@` mention list (at most 20). */
export function openFiles(query: string): { path: string; uri: string }[] {
  const seen = new Set<string>();
  const out: { path: string; uri: string }[] = [];
  const uris = [
    ...vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri)),
    ...vscode.workspace.textDocuments.map((d) => d.uri),
  ];
  for (const uri of uris) {
    if (!uri || uri.scheme !== 'file' || seen.has(uri.toString())) continue;
    seen.add(uri.toString());
    const path = vscode.workspace.asRelativePath(uri);
    if (path.toLowerCase().includes(query.toLowerCase())) out.push({ path, uri: uri.toString() });
  }
  return out.slice(0, 20);
}

/** A dropped image file, read for its chip's thumbnail (the server reads it again on send). */
export async function imageThumb(id: string, uri: string): Promise<ToWebview> {
  const file = vscode.Uri.parse(uri);
  const mime = imageMime(file.path);
  try {
    if (!mime) throw new Error('not a PNG, JPEG, GIF or WebP file');
    const { size } = await vscode.workspace.fs.stat(file);
    if (size > MAX_THUMB_BYTES) return { type: 'thumb', id };
    const bytes = await vscode.workspace.fs.readFile(file);
    return { type: 'thumb', id, dataUrl: `data:${mime};base64,${Buffer.from(bytes).toString('base64')}` };
  } catch (err) {
    return { type: 'thumb', id, error: `${vscode.workspace.asRelativePath(file)}: ${errorText(err)}` };
  }
}
