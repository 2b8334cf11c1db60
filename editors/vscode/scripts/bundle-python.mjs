// Bundle the codex-lsp server into the extension: bundled/libs holds the codex-lsp wheel
// and all its Python dependencies, installed with `pip install --target`, for every
// CPython listed in pyproject.toml's classifiers, on one platform; bundled/manifest.json says what is there.
//
//   node scripts/bundle-python.mjs          (run by `npm run package`)
//
// Environment: CODEX_LSP_PYTHON (the Python that runs pip; default: the repository's
// .venv, else python3), CODEX_VSIX_TARGET (VS Code target, default linux-x64),
// CODEX_BUNDLE_PYTHONS (e.g. "3.11,3.12"; default: pyproject.toml's classifiers).
//
// Most dependencies are pure Python, but pydantic-core, rpds-py and cffi are compiled per
// CPython version (cryptography is abi3). Their extension modules are named per version
// (`_pydantic_core.cpython-312-x86_64-linux-gnu.so`), so one folder can hold the binaries of
// several versions side by side: we resolve once, install the same pinned versions once per
// Python with `--python-version X --only-binary=:all: --platform ...`, and merge; any file
// that differs between versions (except wheel metadata) stops the build.

import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = resolve(EXT_DIR, '..', '..');
const BUNDLED = join(EXT_DIR, 'bundled');
const LIBS = join(BUNDLED, 'libs');

/** The CPython versions codex-lsp supports: pyproject.toml's "Programming Language :: Python :: 3.X" classifiers. */
function supportedPythons() {
  const pyproject = readFileSync(join(REPO_ROOT, 'pyproject.toml'), 'utf8');
  const versions = [...pyproject.matchAll(/"Programming Language :: Python :: (3\.\d+)"/g)].map((m) => m[1]);
  if (!versions.length) throw new Error('pyproject.toml lists no "Programming Language :: Python :: 3.X" classifiers');
  return versions;
}

/** VS Code target -> pip `--platform` tags (manylinux2014 = glibc >= 2.17). */
const PLATFORMS = {
  'linux-x64': ['manylinux2014_x86_64'],
  'linux-arm64': ['manylinux2014_aarch64'],
  'darwin-x64': ['macosx_10_12_x86_64'],
  'darwin-arm64': ['macosx_11_0_arm64'],
  'win32-x64': ['win_amd64'],
};

function findPython() {
  if (process.env.CODEX_LSP_PYTHON) return process.env.CODEX_LSP_PYTHON;
  const venv = join(REPO_ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

function run(command, args) {
  const proc = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.status !== 0) {
    const output = `${proc.stdout ?? ''}${proc.stderr ?? ''}`.split('\n').filter((l) => !/^WARNING: Location/.test(l));
    throw new Error(`${command} ${args.join(' ')} failed (${proc.error?.message ?? proc.status}):\n${output.slice(-40).join('\n')}`);
  }
  return proc.stdout;
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Copy `from` into `into`; the same path with other bytes is an error outside *.dist-info. */
function merge(from, into) {
  for (const file of walk(from)) {
    const rel = relative(from, file);
    const top = rel.split(sep)[0];
    if (top === 'bin' || rel.split(sep).includes('__pycache__')) continue;
    const dest = join(into, rel);
    if (existsSync(dest)) {
      if (readFileSync(dest).equals(readFileSync(file))) continue;
      if (top.endsWith('.dist-info')) continue; // WHEEL tags and RECORD differ per version
      throw new Error(`${rel} differs between Python versions: cannot share one bundled/libs`);
    }
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(file, dest);
  }
}

/** Importable names of the compiled modules (for the launcher's check at start-up). */
function compiledModules(libs) {
  const names = new Set();
  for (const file of walk(libs)) {
    const m = /^(.*?)(\.cpython-\d+[^.]*|\.abi3)?\.(so|pyd)$/.exec(relative(libs, file));
    if (m) names.add(m[1].split(sep).join('.'));
  }
  return [...names].sort();
}

function pipInstall(python, version, platforms, wheel, target, extra) {
  const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-compile'];
  args.push('--target', target, '--only-binary=:all:', '--implementation', 'cp', '--python-version', version);
  for (const p of platforms) args.push('--platform', p);
  run(python, [...args, ...extra, wheel]);
}

function main() {
  const started = Date.now();
  const python = findPython();
  const target = process.env.CODEX_VSIX_TARGET || 'linux-x64';
  const platforms = PLATFORMS[target];
  if (!platforms) throw new Error(`unknown CODEX_VSIX_TARGET ${target}; known: ${Object.keys(PLATFORMS).join(', ')}`);
  const versions = (process.env.CODEX_BUNDLE_PYTHONS || supportedPythons().join(',')).split(',').map((v) => v.trim());
  const tmp = mkdtempSync(join(tmpdir(), 'codex-vsix-bundle-'));
  try {
    run(python, ['-m', 'pip', 'wheel', '--quiet', '--disable-pip-version-check', '--no-deps', '-w', join(tmp, 'wheel'), REPO_ROOT]);
    const wheelName = readdirSync(join(tmp, 'wheel')).find((f) => f.endsWith('.whl'));
    const wheel = join(tmp, 'wheel', wheelName);
    const report = join(tmp, 'report.json');
    const constraints = join(tmp, 'constraints.txt');
    rmSync(LIBS, { recursive: true, force: true });
    mkdirSync(LIBS, { recursive: true });
    versions.forEach((version, i) => {
      const dir = join(tmp, `py${version}`);
      // The first version resolves; the others install exactly the same releases.
      const extra = i === 0 ? ['--report', report] : ['--constraint', constraints];
      pipInstall(python, version, platforms, wheel, dir, extra);
      if (i === 0) {
        const pins = JSON.parse(readFileSync(report, 'utf8')).install.map((x) => x.metadata);
        writeFileSync(constraints, pins.map((m) => `${m.name}==${m.version}`).join('\n') + '\n');
      }
      merge(dir, LIBS);
    });
    const manifest = {
      codexLsp: /^codex_lsp-([^-]+)-/.exec(wheelName)[1],
      target,
      platforms,
      pythons: versions,
      compiled: compiledModules(LIBS),
      packages: readFileSync(constraints, 'utf8').trim().split('\n'),
    };
    writeFileSync(join(BUNDLED, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    const files = walk(LIBS);
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    console.log(
      `bundled codex-lsp ${manifest.codexLsp} + ${manifest.packages.length - 1} packages for CPython ${versions.join(', ')} ` +
        `on ${target}: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  console.error(`bundle-python: ${err.message}`);
  process.exit(1);
}
