/**
 * The codicons the Codex view draws (`@vscode/codicons`, bundled into dist/codicons/ by
 * esbuild.mjs). The webview's `button()` and `codicon()` take only these names, and a
 * unit test checks each is in the bundled codicon.css, so a renamed icon fails the
 * tests instead of drawing nothing.
 */
export const CODICONS = [
  'account',
  'add',
  'arrow-circle-right',
  'check',
  'check-all',
  'circle-large-outline',
  'circle-slash',
  'close',
  'comment',
  'comment-discussion',
  'copy',
  'debug-restart',
  'debug-stop',
  'diff',
  'discard',
  'error',
  'file',
  'file-media',
  'gear',
  'history',
  'lightbulb',
  'loading',
  'output',
  'pass',
  'pass-filled',
  'play',
  'question',
  'selection',
  'send',
] as const;

export type Codicon = (typeof CODICONS)[number];
