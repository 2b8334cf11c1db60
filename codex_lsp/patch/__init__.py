"""Codex's ``apply_patch`` format: parse a patch and compute its effect on files.

Typical use::

    patch = parse_patch(text)                  # PatchParseError if malformed
    changes = derive_changes(patch, read_text)  # PatchApplyError if it does not fit
    ...write the changes...
    result = summarize(changes)                 # "Success. Updated the following files: ..."
"""

from __future__ import annotations

from codex_lsp.patch.apply import (
    FileChange,
    PatchApplyError,
    apply_chunks,
    derive_changes,
    summarize,
)
from codex_lsp.patch.model import AddFile, DeleteFile, Patch, UpdateChunk, UpdateFile
from codex_lsp.patch.parser import PatchParseError, parse_patch

__all__ = [
    "AddFile",
    "DeleteFile",
    "FileChange",
    "Patch",
    "PatchApplyError",
    "PatchParseError",
    "UpdateChunk",
    "UpdateFile",
    "apply_chunks",
    "derive_changes",
    "parse_patch",
    "summarize",
]
