#!/usr/bin/env bash
# Python distributions: build the sdist and the wheel (`python -m build`) into dist/ and
# check them (`twine check --strict`: metadata and the README rendered as the long
# description), then check the wheel holds the package, py.typed and the console script.
# Run by .ci/run with the venv active (build and twine come from the dev extras).
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
rm -rf dist
python -m build --outdir dist . >dist-build.log 2>&1 || { tail -n 40 dist-build.log; exit 1; }
rm -f dist-build.log
twine check --strict dist/*
python - <<'PY'
import glob
import zipfile

wheel = zipfile.ZipFile(glob.glob("dist/codex_lsp-*.whl")[0])
names = set(wheel.namelist())
for need in ("codex_lsp/__main__.py", "codex_lsp/py.typed", "codex_lsp/sandbox/reaper.py"):
    assert need in names, f"{need} is not in the wheel"
entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
assert "codex-lsp = codex_lsp.cli:main" in wheel.read(entry_points).decode(), "no codex-lsp script"
print(f"   wheel: {len(names)} files, console script codex-lsp")
PY
echo "   $(ls dist | tr '\n' ' ')($((SECONDS - t0)) s)"
