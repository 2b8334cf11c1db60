/**
 * Answers the server's `codex/intel` requests from VS Code's own language features (sent
 * because `CodexFeature` declares `experimental.codexIntel`; see docs/protocol.md):
 *
 * - `textDocument/definition` | `references` | `hover` | `documentSymbol`, `workspace/symbol`:
 *   the `vscode.execute*Provider` commands, so every installed language extension answers;
 *   results go back as LSP JSON (0-based lines, 1-based `SymbolKind`).
 * - `codex/diagnostics {uris, settleMs}`: `languages.getDiagnostics`, after waiting (at most
 *   `settleMs`) for `languages.onDidChangeDiagnostics` to name the document when > 0 (the
 *   edit just landed, the language servers have yet to publish for it).
 */

import * as vscode from 'vscode';

export interface IntelRequest {
  method: string;
  params: Record<string, any>;
}

type Json = Record<string, unknown>;

function range(r: vscode.Range): Json {
  return {
    start: { line: r.start.line, character: r.start.character },
    end: { line: r.end.line, character: r.end.character },
  };
}

function location(l: vscode.Location | vscode.LocationLink): Json {
  if ('targetUri' in l) {
    return { uri: l.targetUri.toString(), range: range(l.targetSelectionRange ?? l.targetRange) };
  }
  return { uri: l.uri.toString(), range: range(l.range) };
}

function hoverText(content: vscode.MarkdownString | vscode.MarkedString): string {
  if (typeof content === 'string') return content;
  if (content instanceof vscode.MarkdownString) return content.value;
  return '```' + content.language + '\n' + content.value + '\n```';
}

function symbol(s: vscode.DocumentSymbol | vscode.SymbolInformation): Json {
  if ('children' in s) {
    return {
      name: s.name,
      detail: s.detail,
      kind: s.kind + 1,
      range: range(s.range),
      selectionRange: range(s.selectionRange),
      children: s.children.map(symbol),
    };
  }
  return { name: s.name, kind: s.kind + 1, containerName: s.containerName, location: location(s.location) };
}

function diagnostic(d: vscode.Diagnostic): Json {
  const code = typeof d.code === 'object' && d.code !== null ? d.code.value : d.code;
  return { range: range(d.range), severity: d.severity + 1, message: d.message, source: d.source, code };
}

/** Resolves when the diagnostics of `uri` change, or after `ms`. */
function changed(uri: vscode.Uri, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const listener = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) done();
    });
    function done(): void {
      clearTimeout(timer);
      listener.dispose();
      resolve();
    }
  });
}

async function diagnostics(params: Json): Promise<Json> {
  const uris = (Array.isArray(params.uris) ? params.uris : []).map((u) => vscode.Uri.parse(String(u)));
  const settle = Number(params.settleMs) || 0;
  if (settle > 0) await Promise.all(uris.map((u) => changed(u, settle)));
  const out: Json = {};
  for (const uri of uris) out[uri.toString()] = vscode.languages.getDiagnostics(uri).map(diagnostic);
  return { diagnostics: out };
}

/** The answer to one `codex/intel` request. */
export async function answerIntel(request: IntelRequest): Promise<unknown> {
  const { method, params } = request;
  if (method === 'codex/diagnostics') return diagnostics(params);
  if (method === 'workspace/symbol') {
    const found = await vscode.commands.executeCommand<vscode.SymbolInformation[]>(
      'vscode.executeWorkspaceSymbolProvider',
      String(params.query ?? ''),
    );
    return (found ?? []).map(symbol);
  }
  const uri = vscode.Uri.parse(String(params.textDocument?.uri));
  const at = params.position ? new vscode.Position(params.position.line, params.position.character) : undefined;
  switch (method) {
    case 'textDocument/definition': {
      const found = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
        'vscode.executeDefinitionProvider', uri, at);
      return (found ?? []).map(location);
    }
    case 'textDocument/references': {
      const found = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', uri, at);
      return (found ?? []).map(location);
    }
    case 'textDocument/hover': {
      const found = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
      const parts = (found ?? []).flatMap((h) => h.contents.map(hoverText)).filter((t) => t);
      return parts.length ? { contents: { kind: 'markdown', value: parts.join('\n\n') } } : null;
    }
    case 'textDocument/documentSymbol': {
      const found = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[]>(
        'vscode.executeDocumentSymbolProvider', uri);
      return (found ?? []).map(symbol);
    }
    default:
      throw new Error(`codex/intel: unknown method ${method}`);
  }
}
