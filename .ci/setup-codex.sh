#!/usr/bin/env bash
# The real Codex CLI for the peer tests (tests/peer) and the bench: @openai/codex@0.169.0
# into bench/.cache/codex, as bench/README.md describes. The peer tests run it only inside
# a network namespace (iproute2, root); they skip with a message when it is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=0.169.0
BIN=bench/.cache/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex
if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null | awk '{print $NF}')" = "$VERSION" ]; then
  echo "codex $VERSION already installed"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: install Node.js (apt: npm) to run the peer tests" >&2
  exit 1
fi
mkdir -p bench/.cache/codex
npm install --no-audit --no-fund --prefix bench/.cache/codex "@openai/codex@$VERSION"
"$BIN" --version
