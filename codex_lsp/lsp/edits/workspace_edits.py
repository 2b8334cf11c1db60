"""Approved file changes -> a versioned `WorkspaceEdit` -> `workspace/applyEdit`.

Open documents are edited with the version the agent read, so an editor
refuses the edit if the user typed since; we also check versions and disk
texts ourselves before sending, so a stale edit is never applied. Edits are
minimal (changed regions only), never whole-file replacements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_lsp.core.protocol import FileEdit
from codex_lsp.edits.file_diff import FileDiff, change_of
from codex_lsp.edits.text_edits import TextEditSpec
from codex_lsp.lsp.session.ranges import lsp_range


@dataclass(frozen=True)
class ClientEditSupport:
    """What the client's `workspace.workspaceEdit` capability allows."""

    document_changes: bool = True
    resource_operations: frozenset[str] = frozenset({"create", "rename", "delete"})


def text_edit_json(edit: TextEditSpec) -> dict[str, Any]:
    """An LSP `TextEdit` as JSON."""
    return {
        "range": lsp_range(
            edit.start_line, edit.start_character, edit.end_line, edit.end_character
        ),
        "newText": edit.new_text,
    }


def _doc_edit(uri: str, version: int | None, edits: list[TextEditSpec]) -> dict[str, Any]:
    return {
        "textDocument": {"uri": uri, "version": version},
        "edits": [text_edit_json(e) for e in edits],
    }


@dataclass
class EditPlan:
    """The `WorkspaceEdit` to send plus file operations we must do on disk ourselves."""

    workspace_edit: dict[str, Any]
    disk_ops: list[FileEdit]


def build_edit(
    files: list[FileEdit],
    support: ClientEditSupport,
    uri_for: Callable[[Path], str] = Path.as_uri,
    diffs: Callable[[FileEdit], FileDiff] = change_of,
) -> EditPlan:
    """Translate file edits for this client; unsupported resource ops fall back to disk.

    `uri_for` names each file as the editor knows it (`Documents.uri_for`);
    `diffs` gives each update's change (the one the review computed, if any).
    """
    doc_changes: list[dict[str, Any]] = []
    changes: dict[str, list[dict[str, Any]]] = {}
    disk_ops: list[FileEdit] = []
    ops = support.resource_operations if support.document_changes else frozenset()
    for f in files:
        uri = uri_for(f.path)
        if f.kind == "update":
            edits = diffs(f).text_edits()
            if f.move_to is not None and "rename" not in ops:
                disk_ops.append(f)
                continue
            if support.document_changes:
                if edits:
                    doc_changes.append(_doc_edit(uri, f.version, edits))
                if f.move_to is not None:
                    doc_changes.append(
                        {"kind": "rename", "oldUri": uri, "newUri": uri_for(f.move_to)}
                    )
            elif edits:
                changes[uri] = [text_edit_json(e) for e in edits]
        elif f.kind == "add":
            if "create" not in ops:
                disk_ops.append(f)
                continue
            doc_changes.append(
                {
                    "kind": "create",
                    "uri": uri,
                    "options": {"overwrite": False, "ignoreIfExists": False},
                }
            )
            if f.new_text:
                insert = TextEditSpec(0, 0, 0, 0, f.new_text)
                doc_changes.append(_doc_edit(uri, None, [insert]))
        else:
            if "delete" not in ops:
                disk_ops.append(f)
                continue
            doc_changes.append(
                {"kind": "delete", "uri": uri, "options": {"ignoreIfNotExists": False}}
            )
    edit: dict[str, Any] = (
        {"documentChanges": doc_changes} if support.document_changes else {"changes": changes}
    )
    return EditPlan(workspace_edit=edit, disk_ops=disk_ops)
