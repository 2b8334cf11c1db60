/**
 * The prompt box's helpers: context chips as they are labelled and sent, `@` mentions,
 * and the thread list's filter.
 *
 * Pure (no `vscode`, no DOM): used by the host, the webview script and the unit tests.
 */

import type { Chip, LspRange, ThreadRow } from './state';

/**
 * The attached context as `codex.runTask`'s `context` (files, selections as ranges): it
 * travels apart from the prompt, so titles stay the user's words.
 */
export function promptContext(chips: readonly Chip[]): { uri: string; range?: LspRange }[] {
  return chips.map((c) => (c.kind === 'selection' && c.range ? { uri: c.uri, range: c.range } : { uri: c.uri }));
}

/** A chip's label: `hello.py` or `hello.py:3-7`. */
export function chipLabel(c: Chip): string {
  const name = c.path.split('/').pop() ?? c.path;
  return c.kind === 'selection' ? `${name}:${c.startLine}-${c.endLine}` : name;
}

/** The `@word` being typed just before the caret, or undefined. */
export function mentionQuery(text: string, caret: number): string | undefined {
  const m = /(?:^|\s)@([\w./-]*)$/.exec(text.slice(0, caret));
  return m ? m[1] : undefined;
}

/** `text` without the `@word` before the caret (the mention became a chip). */
export function dropMention(text: string, caret: number): { text: string; caret: number } {
  const before = text.slice(0, caret).replace(/@[\w./-]*$/, '');
  return { text: before + text.slice(caret), caret: before.length };
}

/** Threads whose title matches every word of the query (case-insensitive). */
export function filterThreads(threads: readonly ThreadRow[], query: string): ThreadRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return threads.filter((t) => words.every((w) => t.title.toLowerCase().includes(w)));
}
