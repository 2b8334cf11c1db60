r"""Line splitting and the line-level diff shared by the diff, hunk and edit modules.

Two notions of "line" live here:

* :func:`split_lines` splits after ``"\n"`` only, as git does (a CRLF line
  keeps its ``"\r\n"``). Diffs and hunks use it, so hunk line numbers equal
  the editor's for LF and CRLF documents.
* :func:`split_lsp_lines` also breaks at a lone ``"\r"``, as the Language
  Server Protocol does; LSP positions are computed with it.
  :func:`lsp_lines` is the same without the line endings: use it instead of
  :meth:`str.splitlines`, which also breaks at ``\f``, ``\v``, ``\x1c``-``\x1e``,
  ``\x85``, U+2028 and U+2029 and so counts more lines than the editor does.

:func:`line_opcodes` is the one place a line diff is computed, so that every
consumer (unified diff, hunks, count of changes) agrees on the same regions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

Opcode = tuple[str, int, int, int, int]
"""``(tag, i1, i2, j1, j2)`` as in :meth:`difflib.SequenceMatcher.get_opcodes`."""

_LSP_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

# Below this many lines in the differing middle, diff without difflib's
# "autojunk" heuristic (better hunks for code full of blank lines and braces);
# above it, keep the heuristic so huge rewrites stay fast.
_EXACT_DIFF_LIMIT = 4000


def split_lines(text: str) -> list[str]:
    r"""Split after every ``"\n"``, keeping line endings; no empty last line."""
    lines = text.split("\n")
    last = lines.pop()
    result = [line + "\n" for line in lines]
    if last:
        result.append(last)
    return result


def split_lsp_lines(text: str) -> list[str]:
    r"""Split after ``"\r\n"``, ``"\r"`` or ``"\n"``, keeping line endings."""
    return _LSP_LINE.findall(text)


def lsp_lines(text: str) -> list[str]:
    r"""Like :meth:`str.splitlines`, but lines end only at ``"\r\n"``, ``"\r"``, ``"\n"``.

    Line ``i`` of the result is line ``i`` of an LSP client, so numbers shown
    to the model, selections and edit ranges agree with the editor.
    """
    return [line.rstrip("\r\n") for line in split_lsp_lines(text)]


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    limit = min(len(a), len(b))
    i = 0
    while i < limit and a[i] == b[i]:
        i += 1
    return i


def _common_suffix(a: Sequence[str], b: Sequence[str], limit: int) -> int:
    i = 0
    while i < limit and a[-1 - i] == b[-1 - i]:
        i += 1
    return i


def line_opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """Opcodes turning lines ``a`` into ``b`` (difflib format, adjacent equals merged).

    Not cached: one proposal's hunks, diff and counts share one computation
    (:mod:`codex_lsp.edits.file_diff`), and a patch's edit needs none at all.

    Common leading and trailing lines are set aside before running
    :class:`difflib.SequenceMatcher`, so a few changes in a huge file cost
    linear time. Between two ``equal`` opcodes there is exactly one other.
    """
    prefix = _common_prefix(a, b)
    suffix = _common_suffix(a, b, min(len(a), len(b)) - prefix)
    mid_a = a[prefix : len(a) - suffix]
    mid_b = b[prefix : len(b) - suffix]
    codes: list[Opcode] = []
    if prefix:
        codes.append(("equal", 0, prefix, 0, prefix))
    aligned = _aligned_opcodes(mid_a, mid_b, prefix) if len(mid_a) == len(mid_b) else None
    if aligned is not None:
        codes.extend(aligned)
    elif mid_a or mid_b:
        matcher = difflib.SequenceMatcher(
            None, mid_a, mid_b, autojunk=len(mid_a) + len(mid_b) > _EXACT_DIFF_LIMIT
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            codes.append((tag, i1 + prefix, i2 + prefix, j1 + prefix, j2 + prefix))
    if suffix:
        codes.append(("equal", len(a) - suffix, len(a), len(b) - suffix, len(b)))
    merged: list[Opcode] = []
    for code in codes:
        if merged and code[0] == "equal" and merged[-1][0] == "equal":
            last = merged[-1]
            merged[-1] = ("equal", last[1], code[2], last[3], code[4])
        else:
            merged.append(code)
    return merged


def _aligned_opcodes(a: Sequence[str], b: Sequence[str], offset: int) -> list[Opcode] | None:
    """Opcodes for same-length line lists that differ in a few places, in linear time.

    Edits that replace lines in place (the common case, and every hunk of a
    typical patch) keep the line count; comparing line by line then finds the
    same regions difflib would, without its quadratic cost on many hunks. None
    when too many lines differ (lines were shifted): difflib decides then.
    """
    differing = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(differing) * 4 > len(a):
        return None
    codes: list[Opcode] = []
    pos = 0
    k = 0
    while k < len(differing):
        start = differing[k]
        end = start + 1
        while k + 1 < len(differing) and differing[k + 1] == end:
            k += 1
            end += 1
        if start > pos:
            codes.append(("equal", offset + pos, offset + start, offset + pos, offset + start))
        codes.append(("replace", offset + start, offset + end, offset + start, offset + end))
        pos = end
        k += 1
    if pos < len(a):
        codes.append(("equal", offset + pos, offset + len(a), offset + pos, offset + len(a)))
    return codes


def group_opcodes(codes: Sequence[Opcode], context: int) -> list[list[Opcode]]:
    """Group opcodes into unified-diff hunks with ``context`` lines around changes.

    Same algorithm as :meth:`difflib.SequenceMatcher.get_grouped_opcodes`; no
    group at all when nothing changed. With ``context=0`` every change region
    is its own group, in order.
    """
    if not any(code[0] != "equal" for code in codes):
        return []
    work = list(codes)
    if work[0][0] == "equal":
        _tag, i1, i2, j1, j2 = work[0]
        work[0] = ("equal", max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    if work[-1][0] == "equal":
        _tag, i1, i2, j1, j2 = work[-1]
        work[-1] = ("equal", i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    groups: list[list[Opcode]] = []
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in work:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append(("equal", i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return [[code for code in g if code[0] != "equal" or code[1] < code[2]] for g in groups if g]
