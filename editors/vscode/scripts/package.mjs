// `npm run package`: bundle the Python server (scripts/bundle-python.mjs), then build the
// platform-specific .vsix with vsce: <name>-<version>.vsix for CODEX_VSIX_TARGET (default
// linux-x64; VS Code refuses to install it on another platform, with a clear message).
// CODEX_VSIX_NO_BUNDLE=1 packages without the server (then codex-lsp must be installed).

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(EXT_DIR, 'package.json'), 'utf8'));
const target = process.env.CODEX_VSIX_TARGET || 'linux-x64';
const bundle = !process.env.CODEX_VSIX_NO_BUNDLE;

function run(command, args) {
  const proc = spawnSync(command, args, { cwd: EXT_DIR, stdio: 'inherit' });
  if (proc.status !== 0) process.exit(proc.status ?? 1);
}

const started = Date.now();
if (bundle) run(process.execPath, [join(EXT_DIR, 'scripts', 'bundle-python.mjs')]);
else for (const p of ['bundled/libs', 'bundled/manifest.json']) rmSync(join(EXT_DIR, p), { recursive: true, force: true });
const out = `${pkg.name}-${pkg.version}.vsix`;
const vsce = join(EXT_DIR, 'node_modules', '@vscode', 'vsce', 'vsce');
const args = ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links'];
run(process.execPath, [vsce, ...args, ...(bundle ? ['--target', target] : []), '--out', out]);
console.log(`packaged ${out}${bundle ? ` for ${target}` : ' (no bundled server)'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
