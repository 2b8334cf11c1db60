"""Split the change between two texts into numbered hunks and apply any subset of them.

A hunk is one contiguous region of changed lines (no context). Hunks come from
:func:`codex_lsp.edits.lines.line_opcodes`, the same line diff that
:func:`codex_lsp.edits.diff.unified_diff` uses, so hunk ``i`` is the ``i``-th
``@@`` block of ``unified_diff(old, new, ..., context=0)``; indices are stable
for a given ``(old, new)`` pair. This is what lets a user accept or reject
hunks by index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from codex_lsp.core.protocol import Hunk  # re-exported: it moved to the contract
from codex_lsp.edits.lines import Opcode, line_opcodes, split_lines, split_lsp_lines


def compute_hunks(old: str, new: str) -> list[Hunk]:
    """The change regions from ``old`` to ``new``, numbered from 0 in file order."""
    a, b = split_lines(old), split_lines(new)
    return hunks_of(line_opcodes(a, b), a.__getitem__, b.__getitem__)


def hunks_of(
    codes: Iterable[Opcode],
    old_lines: Callable[[slice], Sequence[str]],
    new_lines: Callable[[slice], Sequence[str]],
) -> list[Hunk]:
    """The hunks of line opcodes; ``old_lines(slice(i1, i2))`` gives the lines."""
    hunks: list[Hunk] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag != "equal":
            old, new = old_lines(slice(i1, i2)), new_lines(slice(j1, j2))
            hunks.append(Hunk(len(hunks), i1, list(old), list(new)))
    return hunks


def apply_hunks(
    old: str, new: str, accepted: Iterable[int], hunks: list[Hunk] | None = None
) -> str:
    """``old`` with only the hunks whose index is in ``accepted`` applied.

    All indices give ``new``, none gives ``old``. Indices that name no hunk are
    ignored. ``hunks`` are the ones the user was shown (default: computed).
    """
    keep = set(accepted)
    if hunks is None:
        hunks = compute_hunks(old, new)
    if all(h.index in keep for h in hunks):
        return new
    if not any(h.index in keep for h in hunks):
        return old
    a = split_lines(old)
    out: list[str] = []
    copied = 0
    for hunk in hunks:
        out.extend(a[copied : hunk.old_start])
        out.extend(hunk.new_lines if hunk.index in keep else hunk.old_lines)
        copied = hunk.old_end
    out.extend(a[copied:])
    return "".join(out)


@dataclass(frozen=True)
class HunkOutcome:
    """Where one hunk stands after a partial approval, in editor line numbers (1-based).

    ``start``/``end`` are the lines the hunk's text occupies in the result:
    its new lines if ``applied``, else the old lines kept. ``end < start``
    means no line (an insertion rejected, a deletion applied): the place is
    just after line ``end``.
    """

    hunk: Hunk
    applied: bool
    start: int
    end: int


def hunk_outcomes(
    old: str, new: str, accepted: Iterable[int], hunks: list[Hunk] | None = None
) -> list[HunkOutcome]:
    """For each hunk of ``old -> new``, whether it is in ``apply_hunks(old, new, accepted)``.

    Line numbers count as the editor does (``split_lsp_lines``), so the model
    can find the lines with ``read_file``.
    """
    keep = set(accepted)
    a = split_lines(old)
    out: list[HunkOutcome] = []
    line = 0  # editor lines so far; every piece but the file's last ends with "\n"
    copied = 0
    for hunk in compute_hunks(old, new) if hunks is None else hunks:
        line += len(split_lsp_lines("".join(a[copied : hunk.old_start])))
        applied = hunk.index in keep
        taken = len(split_lsp_lines("".join(hunk.new_lines if applied else hunk.old_lines)))
        out.append(HunkOutcome(hunk, applied, line + 1, line + taken))
        line += taken
        copied = hunk.old_end
    return out


__all__ = ["Hunk", "HunkOutcome", "apply_hunks", "compute_hunks", "hunk_outcomes", "hunks_of"]
