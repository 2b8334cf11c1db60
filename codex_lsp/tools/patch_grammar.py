"""`apply_patch` as a freeform tool: the Lark grammar of the patch format.

The gpt-5 family is trained on `apply_patch` declared as a Responses `custom` tool
whose input is the raw patch text, constrained by this grammar (the same patch
format `codex_lsp.patch` parses). The description is Codex's.
"""

from __future__ import annotations

FREEFORM_DESCRIPTION = (
    "The `apply_patch` tool can be used to edit files. This is a FREEFORM tool, so do not "
    "wrap the patch in JSON."
)
"""Codex 0.169's wording (tests/fixtures/codex-0.169-tools.json)."""

APPLY_PATCH_LARK = r"""start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
"""
