/**
 * The Codex view's HTML: a strict Content-Security-Policy (no remote content; the
 * one script is ours, allowed by a fresh nonce; styles from the extension only),
 * and the static skeleton the webview script fills in.
 *
 * Pure: unit-tested in plain Node.
 */

import { randomBytes } from 'crypto';

export interface PageSources {
  /** `webview.cspSource`: the origin local resources are served from. */
  cspSource: string;
  script: string;
  style: string;
  /** dist/codicons/codicon.css (@vscode/codicons, bundled): the buttons' icons. */
  codicons: string;
  nonce?: string;
}

export function csp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function pageHtml(src: PageSources): string {
  const nonce = src.nonce ?? randomBytes(16).toString('base64');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp(src.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(src.codicons)}">
<link rel="stylesheet" href="${attr(src.style)}">
<title>Codex</title>
</head>
<body>
<div id="server" role="status" aria-live="polite"></div>
<div id="toolbar" role="toolbar" aria-label="Conversation">
  <button id="new-thread" class="icon" type="button" title="New thread" aria-label="New thread"><span class="codicon codicon-add" aria-hidden="true"></span></button>
  <button id="threads" class="icon" type="button" title="Threads" aria-label="Show threads" aria-expanded="false"><span class="codicon codicon-history" aria-hidden="true"></span></button>
  <button id="undo" class="icon" type="button" title="Undo the last turn's edits" aria-label="Undo last turn"><span class="codicon codicon-discard" aria-hidden="true"></span></button>
</div>
<div id="thread-list" hidden>
  <input id="thread-search" type="search" placeholder="Search threads" aria-label="Search threads">
  <ul id="thread-rows" role="listbox" aria-label="Threads"></ul>
</div>
<main id="conversation" role="log" aria-label="Conversation" aria-live="polite" tabindex="0"></main>
<form id="composer" aria-label="Prompt">
  <div id="chips" role="list" aria-label="Attached context"></div>
  <div id="mentions" role="listbox" aria-label="Open files" hidden></div>
  <div id="images" role="list" aria-label="Attached images" hidden></div>
  <textarea id="prompt" rows="3" aria-label="Ask Codex (Enter to send, Shift+Enter for a new line, @ to attach an open file, paste or drop an image)"
    placeholder="Ask Codex to do anything (@ attaches a file; paste or drop an image)"></textarea>
  <div id="controls">
    <input id="model" list="models" aria-label="Model" placeholder="model" size="10">
    <datalist id="models"></datalist>
    <select id="effort" aria-label="Reasoning effort">
      <option value="">effort: default</option><option value="minimal">minimal</option>
      <option value="low">low</option><option value="medium">medium</option><option value="high">high</option>
    </select>
    <select id="approval" aria-label="Approval policy">
      <option value="">approvals: default</option><option value="untrusted">untrusted</option>
      <option value="on-failure">on-failure</option><option value="on-request">on-request</option>
      <option value="never">never</option>
    </select>
    <span class="spacer"></span>
    <button id="stop" class="secondary" type="button" title="Stop the turn" aria-label="Stop the turn" hidden><span class="codicon codicon-debug-stop" aria-hidden="true"></span><span class="label">Stop</span></button>
    <button id="send" class="primary" type="submit" title="Send (Enter)" aria-label="Send"><span class="codicon codicon-send" aria-hidden="true"></span><span class="label">Send</span></button>
  </div>
</form>
<script nonce="${nonce}" src="${attr(src.script)}"></script>
</body>
</html>`;
}
