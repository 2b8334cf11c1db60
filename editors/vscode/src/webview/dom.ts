/**
 * The Codex view's DOM helpers (runs in the webview): the VS Code API, elements, and
 * buttons that look like VS Code's (a codicon, theme colours, an accessible name).
 */

import type { FromWebview } from '../panel/messages';
import type { ImageAttachment } from '../panel/images';
import type { Codicon } from './codicons';

declare function acquireVsCodeApi(): {
  postMessage(message: FromWebview): void;
  getState(): Draft | undefined;
  setState(state: Draft): void;
};

/** What the webview keeps across a reload: the unsent prompt and its images. */
export interface Draft {
  draft?: string;
  images?: ImageAttachment[];
}

export const vscode = acquireVsCodeApi();
export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
export const post = (m: FromWebview) => vscode.postMessage(m);

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** `primary`/`secondary`: a themed button with an icon and its label; `icon`: the icon only (toolbar style); `row`: a list row. */
export type ButtonStyle = 'primary' | 'secondary' | 'icon' | 'row';

/** A codicon (@vscode/codicons, bundled), hidden from screen readers: the button has the name. */
export function codicon(name: Codicon, spin = false): HTMLSpanElement {
  const glyph = el('span', `codicon codicon-${name}${spin ? ' codicon-modifier-spin' : ''}`);
  glyph.setAttribute('aria-hidden', 'true');
  return glyph;
}

/** A button that looks like VS Code's: a codicon, theme colours, its name as aria-label and tooltip. */
export function button(label: string, icon: Codicon, onClick: () => void, opts: { aria?: string; style?: ButtonStyle } = {}): HTMLButtonElement {
  const style = opts.style ?? 'secondary';
  const b = el('button', style);
  b.type = 'button';
  b.title = opts.aria ?? label;
  b.setAttribute('aria-label', opts.aria ?? label);
  b.append(codicon(icon));
  if (style !== 'icon') b.append(el('span', 'label', label));
  b.addEventListener('click', onClick);
  return b;
}
