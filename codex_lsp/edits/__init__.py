"""Diffs between two texts: unified diffs, numbered hunks, and minimal LSP text edits."""

from __future__ import annotations

from codex_lsp.core.protocol import Hunk
from codex_lsp.edits.diff import count_changes, unified_diff
from codex_lsp.edits.hunks import apply_hunks, compute_hunks
from codex_lsp.edits.text_edits import (
    LineIndex,
    TextEditSpec,
    apply_text_edits,
    minimal_text_edits,
    offset_at,
    position_at,
    utf16_len,
)

__all__ = [
    "Hunk",
    "LineIndex",
    "TextEditSpec",
    "apply_hunks",
    "apply_text_edits",
    "compute_hunks",
    "count_changes",
    "minimal_text_edits",
    "offset_at",
    "position_at",
    "unified_diff",
    "utf16_len",
]
