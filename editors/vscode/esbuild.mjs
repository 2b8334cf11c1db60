// Bundle the extension (dist/extension.js, dist/webview.js) or the unit tests (out/test/unit/*.test.js).
//   node esbuild.mjs [--production] [--watch] [--tests]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // Provided by VS Code at run time. The unit tests must not need it: a pure module
  // that imports it fails there with "Cannot find module 'vscode'".
  external: ['vscode'],
};

const options = tests
  ? {
      ...common,
      entryPoints: readdirSync('test/unit')
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `test/unit/${f}`),
      outdir: 'out/test/unit',
      external: ['vscode', 'mocha'],
    }
  : { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' };

// The Codex view's script runs in the webview (a browser), bundled apart with its
// markdown renderer (markdown-it + highlight.js).
const webview = {
  ...common,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  external: [],
  entryPoints: ['src/webview/main.ts'],
  outfile: 'dist/webview.js',
};
const builds = tests ? [options] : [options, webview];

/**
 * The codicons (@vscode/codicons) the Codex view's buttons use, copied next to the
 * bundles: the webview may load only files from the extension (its CSP), and the
 * .vsix ships dist/codicons/ (see .vscodeignore), not node_modules.
 */
function copyCodicons() {
  const from = 'node_modules/@vscode/codicons/dist';
  mkdirSync('dist/codicons', { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) copyFileSync(`${from}/${file}`, `dist/codicons/${file}`);
}
if (!tests) copyCodicons();

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
