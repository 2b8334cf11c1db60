r"""Unified diffs (``git diff`` style) and added/removed line counts between two texts.

Lines are split after ``"\n"`` (see :mod:`codex_lsp.edits.lines`); a last line
without a newline is followed by ``\ No newline at end of file``, as git does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from codex_lsp.edits.lines import Opcode, group_opcodes, line_opcodes, split_lines

NO_NEWLINE = "\\ No newline at end of file\n"


def _range(start: int, stop: int) -> str:
    """A unified-diff range (``start,length``; 1-based; ``N,0`` after line N if empty)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _line(prefix: str, line: str) -> str:
    if line.endswith("\n"):
        return prefix + line
    return f"{prefix}{line}\n{NO_NEWLINE}"


def unified_diff(old: str, new: str, old_label: str, new_label: str, context: int = 3) -> str:
    """A unified diff from ``old`` to ``new``; ``""`` if they are equal.

    The labels are used as given (e.g. ``a/src/x.py``, ``b/src/x.py`` or
    ``/dev/null``). With ``context=0`` the hunks are exactly those of
    :func:`codex_lsp.edits.hunks.compute_hunks`, in the same order.
    """
    a, b = split_lines(old), split_lines(new)
    groups = group_opcodes(line_opcodes(a, b), context)
    return render_unified(groups, a.__getitem__, b.__getitem__, old_label, new_label)


def render_unified(
    groups: Sequence[Sequence[Opcode]],
    old_lines: Callable[[slice], Sequence[str]],
    new_lines: Callable[[slice], Sequence[str]],
    old_label: str,
    new_label: str,
) -> str:
    """The unified diff text of grouped opcodes; ``old_lines(slice(i1, i2))`` gives lines.

    Taking lines through a function lets a caller that knows only the changed
    regions (and can find the few context lines) print a diff of a huge file.
    """
    if not groups:
        return ""
    out = [f"--- {old_label}\n", f"+++ {new_label}\n"]
    for group in groups:
        i1, i2 = group[0][1], group[-1][2]
        j1, j2 = group[0][3], group[-1][4]
        out.append(f"@@ -{_range(i1, i2)} +{_range(j1, j2)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                out.extend(_line(" ", line) for line in old_lines(slice(a1, a2)))
                continue
            out.extend(_line("-", line) for line in old_lines(slice(a1, a2)))
            out.extend(_line("+", line) for line in new_lines(slice(b1, b2)))
    return "".join(out)


def count_changes(old: str, new: str) -> tuple[int, int]:
    """``(added, removed)`` line counts between ``old`` and ``new``."""
    added = removed = 0
    for tag, i1, i2, j1, j2 in line_opcodes(split_lines(old), split_lines(new)):
        if tag != "equal":
            added += j2 - j1
            removed += i2 - i1
    return added, removed
