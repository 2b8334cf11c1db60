"""Suite 3, patch fuzzing: random patches over random trees (issue 9).

Each case builds a small workspace (text, CRLF and binary files, a symlink
inside, a symlink to a file outside and one to a folder outside, a folder
beside it that must never change), then runs the real `apply_patch` tool on a
random patch through the terminal host (which writes the disk), then undoes
it the way `Agent.undo` does. Paths are drawn from the tree and from tricks:
`..`, absolute paths, `~`, links out, `*** Move to:` out, case changes of the
workspace root. Invariants:

* nothing outside the workspace is ever written (the outside folder and the
  parent folder stay byte for byte the same);
* a patch applies to all its files or to none (on failure the tree is as before);
* apply then undo gives back the original bytes of every file.

Budget: 200 cases by default (a few seconds); set CODEX_FUZZ_EXAMPLES to run
more, e.g. `CODEX_FUZZ_EXAMPLES=5000 pytest -m fuzz -rA tests/fuzz`.
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_lsp.agent.undo import UndoRefused, plan_undo
from codex_lsp.approvals import ApprovalPolicy, SessionApprovals
from codex_lsp.core.protocol import AgentEvent, EditProposal, ReviewedEdit, Snapshot
from codex_lsp.core.workspace import UnreadableFile, Workspace, snapshot_of
from codex_lsp.exec_mode import TerminalHost
from codex_lsp.tools.apply_patch import ApplyPatch
from codex_lsp.tools.base import ToolContext, ToolFailure, TurnEnded

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("CODEX_FUZZ_EXAMPLES", "200"))
FIGURES: Counter[str] = Counter()

WORDS = ["x = 1", "def f():", "    return 2", "", "# note", "print('hi')", "y = x + 1", "  "]
NAMES = ["a.py", "b.txt", "sub/c.py", "sub/deep/d.py", "A.py", "crlf.txt", "new.py", "sub/new.txt", "a.py/inner.txt"]
TRICKS = [
    "../evil.txt",
    "sub/../../evil.txt",
    "./a.py",
    "sub//c.py",
    "in_link.py",
    "out_link.txt",
    "out_dir/x.txt",
    "out_dir/../evil.txt",
    "~/evil.txt",
    "a.py/inner.txt",
    "bin.dat",
    "sub",
    "{outside}/secret.txt",
    "{outside}/new.txt",
    "{root_upper}/a.py",
    "{ws}/sub/c.py",
    "{ws}/../evil.txt",
]


async def _quiet(event: AgentEvent) -> None:
    return None


def snapshot_tree(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every link's target under `root` (folders aside)."""
    found: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                found[rel] = path.read_bytes()
    return found


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    parts = ", ".join(f"{k} {v}" for k, v in sorted(FIGURES.items()) if k != "cases")
    print(f"\nFIGURES patch-fuzz: {FIGURES['cases']} cases run ({parts})")


def build_tree(base: Path, lines: list[str], crlf: bool) -> Path:
    ws, outside = base / "ws", base / "outside"
    (ws / "sub" / "deep").mkdir(parents=True)
    (outside / "inner").mkdir(parents=True)
    (outside / "secret.txt").write_text("secret\n")
    (outside / "inner" / "x.txt").write_text("outside x\n")
    body = "\n".join(lines) + "\n"
    for name in ("a.py", "b.txt", "sub/c.py", "sub/deep/d.py", "A.py"):
        (ws / name).write_text(body.replace("x", name[0]), newline="")
    (ws / "crlf.txt").write_bytes(body.replace("\n", "\r\n").encode() if crlf else body.encode())
    (ws / "bin.dat").write_bytes(b"\x00\x01binary")
    (ws / "in_link.py").symlink_to(ws / "a.py")
    (ws / "out_link.txt").symlink_to(outside / "secret.txt")
    (ws / "out_dir").symlink_to(outside / "inner")
    return ws


def pick_path(data: st.DataObject, ws: Path) -> str:
    tricky = data.draw(st.integers(0, 3)) == 0  # mostly plain names, so patches often apply
    name: str = data.draw(st.sampled_from(TRICKS if tricky else NAMES))
    root_upper = str(ws).replace("/ws", "/WS")
    return name.format(outside=ws.parent / "outside", root_upper=root_upper, ws=ws)


def file_lines(ws: Path, name: str) -> list[str]:
    try:
        return (ws / name).read_text().split("\n")[:-1]
    except (OSError, UnicodeDecodeError):
        return []


def draw_chunk(data: st.DataObject, lines: list[str]) -> str:
    """A hunk that usually matches the file (drawn from its lines), sometimes not."""
    new = data.draw(st.lists(st.sampled_from(WORDS), max_size=3))
    if lines and data.draw(st.booleans()):
        start = data.draw(st.integers(0, len(lines) - 1))
        old = lines[start : start + data.draw(st.integers(1, 3))]
    else:
        old = data.draw(st.lists(st.sampled_from(WORDS), max_size=2))
    body = "".join(f"-{line}\n" for line in old) + "".join(f"+{line}\n" for line in new)
    return "@@\n" + (body or "+added\n")


def draw_op(data: st.DataObject, ws: Path) -> str:
    path = pick_path(data, ws)
    kind = data.draw(st.sampled_from(["add", "delete", "update", "move"]))
    if kind == "add":
        lines = data.draw(st.lists(st.sampled_from(WORDS), max_size=4))
        return f"*** Add File: {path}\n" + "".join(f"+{line}\n" for line in lines)
    if kind == "delete":
        return f"*** Delete File: {path}\n"
    head = f"*** Update File: {path}\n"
    if kind == "move":
        head += f"*** Move to: {pick_path(data, ws)}\n"
    chunks = data.draw(st.integers(1, 3))
    return head + "".join(draw_chunk(data, file_lines(ws, path)) for _ in range(chunks))


def run_case(ws: Path, patch: str) -> tuple[str, ToolContext]:
    workspace = Workspace([ws])
    host = TerminalHost(workspace, assume_yes=True, never_ask=True)
    host.out, host.err = io.StringIO(), io.StringIO()
    ctx = ToolContext("fuzz", workspace, host, ApprovalPolicy.NEVER, SessionApprovals(), _quiet)
    try:
        asyncio.run(ApplyPatch().run(ctx, {"input": patch}))
    except ToolFailure:
        return "refused", ctx
    except TurnEnded:
        return "failed", ctx
    return "applied", ctx


def undo(ctx: ToolContext) -> str:
    """What `Agent.undo` does: plan against the current files, let the host write."""

    def current(path: Path) -> Snapshot | None:
        try:
            return snapshot_of(path, ctx.host.snapshot)
        except UnreadableFile:
            return None

    try:
        plan = plan_undo(ctx.applied, current)
    except UndoRefused as exc:
        return f"refused: {exc}"
    if plan:
        outcome = asyncio.run(
            ctx.host.apply_edit(ReviewedEdit.unasked(EditProposal("fuzz", "undo", plan)))
        )
        if not outcome.applied:
            return f"failed: {outcome.reason}"
    return "undone"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the repository; failures print their example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    data=st.data(),
    lines=st.lists(st.sampled_from(WORDS), min_size=1, max_size=8),
    crlf=st.booleans(),
)
def test_random_patches_stay_inside_apply_whole_and_undo_exactly(
    data: st.DataObject, lines: list[str], crlf: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        ws = build_tree(base, lines, crlf)
        ops = data.draw(st.integers(1, 4))
        patch = "*** Begin Patch\n" + "".join(draw_op(data, ws) for _ in range(ops)) + "*** End Patch\n"
        before, outside = snapshot_tree(ws), snapshot_tree(base / "outside")
        status, ctx = run_case(ws, patch)
        FIGURES["cases"] += 1
        FIGURES[status] += 1
        assert snapshot_tree(base / "outside") == outside, patch
        assert sorted(p.name for p in base.iterdir()) == ["outside", "ws"], patch
        after = snapshot_tree(ws)
        if status != "applied":
            assert after == before, f"half-applied ({status}):\n{patch}"
            return
        expected = _expected(ws, before, ctx)
        assert after == expected, patch
        result = undo(ctx)
        assert result == "undone", f"{result}\n{patch}"
        assert snapshot_tree(ws) == before, f"undo did not restore the bytes:\n{patch}"
        FIGURES["undone"] += 1


@pytest.mark.parametrize(
    "ops",
    [
        # Found by this suite: a file turned into a folder could not be undone.
        "*** Delete File: ./a.py\n*** Add File: a.py/inner.txt\n+x\n",
        # A write that fails after others: nothing may stay written.
        "*** Update File: b.txt\n@@\n+more\n*** Add File: A.py/x.txt\n+x\n",
        # Two spellings of one file (a link and its target) in one patch.
        "*** Update File: in_link.py\n@@\n+one\n*** Update File: a.py\n@@\n+two\n",
        # Found by this suite: a move onto an existing file, then the target re-added.
        "*** Update File: ./a.py\n*** Move to: b.txt\n@@\n+added\n*** Add File: b.txt\n+new\n",
        # A move onto an existing file, then the moved file deleted where it landed.
        "*** Update File: a.py\n*** Move to: b.txt\n@@\n+added\n*** Delete File: b.txt\n",
    ],
)
def test_known_cases(ops: str, tmp_path: Path) -> None:
    ws = build_tree(tmp_path, ["x = 1", "y = 2"], crlf=True)
    before = snapshot_tree(ws)
    status, ctx = run_case(ws, f"*** Begin Patch\n{ops}*** End Patch\n")
    if status != "applied":
        assert snapshot_tree(ws) == before
        return
    assert snapshot_tree(ws) == _expected(ws, before, ctx)
    assert undo(ctx) == "undone"
    assert snapshot_tree(ws) == before


def _expected(ws: Path, before: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
    """`before` with every applied FileEdit carried out: all of them, nothing else."""
    tree = dict(before)
    for f in ctx.applied:
        rel = f.path.relative_to(ws).as_posix()
        if f.kind == "delete":
            tree.pop(rel, None)
            continue
        target = (f.move_to or f.path).relative_to(ws).as_posix()
        if f.move_to is not None and f.move_to != f.path:
            tree.pop(rel, None)
        tree[target] = (f.new_text or "").encode()
    return tree
