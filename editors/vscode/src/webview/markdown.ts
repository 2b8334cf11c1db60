/**
 * Markdown for the Codex view: markdown-it (raw HTML off, so model output cannot
 * inject markup) with highlight.js for a few common languages, and every code
 * block wrapped with a Copy button (a codicon, as in VS Code's own views).
 */

import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import MarkdownIt from 'markdown-it';

const languages = { bash, css, diff, go, javascript, json, python, rust, typescript, xml, yaml };
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang);
hljs.registerAliases(['sh', 'shell', 'console'], { languageName: 'bash' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['js', 'jsx'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });
hljs.registerAliases(['rs'], { languageName: 'rust' });

const md: MarkdownIt = new MarkdownIt({
  html: false,
  linkify: true,
  highlight: (code: string, lang: string): string => {
    if (lang && hljs.getLanguage(lang)) {
      return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    }
    return md.utils.escapeHtml(code);
  },
});

const fence = md.renderer.rules.fence!;
md.renderer.rules.fence = (tokens, idx, options, env, self) => {
  const lang = md.utils.escapeHtml(tokens[idx].info.trim().split(/\s+/)[0] ?? '');
  const label = lang ? `Copy ${lang} code` : 'Copy code';
  return `<div class="code"><button class="copy icon" type="button" aria-label="${label}" title="Copy"><span class="codicon codicon-copy" aria-hidden="true"></span></button>${fence(tokens, idx, options, env, self)}</div>`;
};

/** Markdown -> HTML (safe to put in innerHTML: raw HTML in the source is escaped). */
export function renderMarkdown(text: string): string {
  return md.render(text);
}
