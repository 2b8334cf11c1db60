"""Workspaces, documents, patches and configuration for both agents."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "bench" / ".cache"

HELLO = "def greet(name):\n    return 'hi ' + name\n\n\nprint(greet('bob'))\n"
HELLO_A = "    return 'hi ' + name"
HELLO_B = '    return f"hello {name}"'


def hello_patch(turn: int, path: str = "hello.py") -> tuple[str, str]:
    """The patch of edit turn `turn` (it toggles one line) and the file text after it."""
    old, new = (HELLO_A, HELLO_B) if turn % 2 == 0 else (HELLO_B, HELLO_A)
    patch = (
        "*** Begin Patch\n"
        f"*** Update File: {path}\n"
        "@@ def greet(name):\n"
        f"-{old}\n"
        f"+{new}\n"
        "*** End Patch\n"
    )
    after = HELLO.replace(HELLO_A, new)
    return patch, after


HELLO_RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 27}}


# ---- big documents ------------------------------------------------------------


def _line(i: int, value: int) -> str:
    return f"value_{i:07d} = {value:<7d}  # generated line for the codex-lsp benchmark\n"


LINE_BYTES = len(_line(0, 0))


def big_document(size: int) -> str:
    """About `size` bytes of unique Python lines (at least 32 lines)."""
    n = max(32, size // LINE_BYTES)
    return "".join(_line(i, i) for i in range(n))


def line_count(text: str) -> int:
    return text.count("\n")


def hunk_lines(n_lines: int, hunks: int) -> list[int]:
    """Lines to change for a patch of `hunks` hunks, spread evenly (>= 8 lines apart)."""
    if hunks == 1:
        return [n_lines // 2]
    step = max(8, n_lines // hunks)
    lines = [2 + k * step for k in range(hunks)]
    if lines[-1] >= n_lines - 2:
        raise ValueError(f"{hunks} hunks need more than {n_lines} lines")
    return lines


def big_patch(path: str, text: str, lines: list[int], turn: int) -> tuple[str, str]:
    """A patch changing `lines` (one context line each side); returns (patch, new text).

    Each changed line's value toggles between `i` and `i + 1`, so turns can repeat.
    `turn` is accepted for symmetry and ignored.
    """
    src = text.splitlines(keepends=True)
    out = ["*** Begin Patch\n", f"*** Update File: {path}\n"]
    for i in lines:
        old = src[i]
        value = i + 1 if old == _line(i, i) else i
        new = _line(i, value)
        out.append("@@\n")
        out.append(" " + src[i - 1])
        out.append("-" + old)
        out.append("+" + new)
        out.append(" " + src[i + 1])
        src[i] = new
    out.append("*** End Patch\n")
    return "".join(out), "".join(src)


# ---- configuration ----------------------------------------------------------------

DUMMY_KEY_VAR = "BENCH_DUMMY_KEY"


def config_toml(base_url: str, *, codex_cli: bool) -> str:
    """The issue's configuration.  Codex 0.169 refuses `approval_policy = "untrusted"` in
    config.toml ("no longer supported; remove this setting"), so for the real Codex the
    bench passes `approvalPolicy: "untrusted"` in `thread/start` instead."""
    policy = "" if codex_cli else 'approval_policy = "untrusted"\n'
    if not codex_cli:
        # The 1,000-hunk scaling point keeps three ~290 KB patches in one thread;
        # codex-lsp would (rightly) compact that history, which the script does not
        # answer. The bench measures edit turns, not compaction.
        policy += "model_auto_compact_token_limit = 100000000\n"
    return (
        'model = "gpt-5.5"\n'
        'model_provider = "scripted"\n'
        f"{policy}"
        "check_for_update_on_startup = false\n"
        "\n"
        "[features]\n"
        "plugins = false\n"
        "\n"
        "[model_providers.scripted]\n"
        'name = "Scripted"\n'
        f'base_url = "{base_url}"\n'
        'wire_api = "responses"\n'
        f'env_key = "{DUMMY_KEY_VAR}"\n'
    )


@dataclass
class Sandbox:
    """A fresh CODEX_HOME (under bench/.cache: Codex refuses helper binaries in /tmp)
    and a fresh workspace (in the temp dir, outside any git repository)."""

    home: Path
    workspace: Path
    root: Path

    @classmethod
    def make(cls, label: str, base_url: str, *, codex_cli: bool) -> Sandbox:
        homes = CACHE / "homes"
        homes.mkdir(parents=True, exist_ok=True)
        home = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=homes))
        (home / "config.toml").write_text(config_toml(base_url, codex_cli=codex_cli))
        root = Path(tempfile.mkdtemp(prefix=f"codex-bench-{label}-"))
        ws = root / "ws"
        ws.mkdir()
        (ws / "hello.py").write_text(HELLO)
        (root / "xdg-cache").mkdir()
        return cls(home, ws, root)

    def env(self) -> dict[str, str]:
        return {
            "CODEX_HOME": str(self.home),
            DUMMY_KEY_VAR: "sk-bench-dummy",
            "XDG_CACHE_HOME": str(self.root / "xdg-cache"),
            "RUST_LOG": "error",
            "NO_COLOR": "1",
        }

    def remove(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)
