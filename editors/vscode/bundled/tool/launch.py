"""Run the codex-lsp bundled with the VS Code extension, with whatever Python runs this.

The extension starts `python -I -S bundled/tool/launch.py [args]`: `-I -S` keep the user's
environment (PYTHONPATH, site-packages, .pth files) out, so only the standard library and
bundled/libs are imported, and nothing leaks into the commands the agent runs.

This file is read by any Python the user may have, so it must parse on old ones
(no f-strings, no annotations) to be able to say "too old" instead of a SyntaxError.
Exit codes: 3 = Python too old, 4 = the bundle has no binaries for this Python/platform.
"""

import json
import os
import platform
import sys

BUNDLED = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBS = os.path.join(BUNDLED, "libs")
MIN_PYTHON = (3, 11)


def _fail(code, message):
    sys.stderr.write("codex-lsp (bundled): %s\n" % message)
    return code


def _manifest():
    with open(os.path.join(BUNDLED, "manifest.json")) as f:
        return json.load(f)


def main():
    version = "%d.%d" % sys.version_info[:2]
    if sys.version_info[:2] < MIN_PYTHON:
        return _fail(3, "needs Python >= %d.%d; %s is %s" % (MIN_PYTHON + (sys.executable, version)))
    manifest = _manifest()
    sys.path.insert(0, LIBS)
    for module in manifest["compiled"]:
        try:
            __import__(module)
        except ImportError as err:
            return _fail(
                4,
                "the bundled libraries carry binaries for CPython %s on %s; %s is %s %s on %s (%s)"
                % (
                    ", ".join(manifest["pythons"]),
                    manifest["target"],
                    sys.executable,
                    platform.python_implementation(),
                    version,
                    platform.machine(),
                    err,
                ),
            )
    from codex_lsp.cli import main as serve

    sys.argv[0] = "codex-lsp"
    return serve()


if __name__ == "__main__":
    sys.exit(main())
