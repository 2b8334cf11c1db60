"""What the client announced at `initialize`, resolved once into plain booleans.

The rest of the server asks `client.caps.edits` instead of walking
lsprotocol's optional attribute chains, so a missing capability is a clear
`False` everywhere. Prompts and `workspace/applyEdit` are tried even when not
announced, so their capabilities are not read: editors answer more than they
announce (Kate applies edits, Eglot 1.9 shows prompts, unannounced) and Helix
25.07 answers MethodNotFound; `Client.refused` remembers the ones a client refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codex_lsp import wire
from codex_lsp.lsp.edits.workspace_edits import ClientEditSupport


def _get(value: Any, *names: str) -> Any:
    for name in names:
        if value is None:
            return None
        value = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
    return value


NO_EDIT_SUPPORT = ClientEditSupport(document_changes=False, resource_operations=frozenset())
"""A client that announced no `workspace.workspaceEdit` support: plain `changes` only."""


@dataclass(frozen=True)
class ClientCapabilities:
    """The client capabilities the server acts on (all `False` until `initialize`)."""

    edits: ClientEditSupport = NO_EDIT_SUPPORT
    show_document: bool = False
    work_done_progress: bool = False
    codex_approval: bool = False
    """`experimental.codexApproval` (true or an object): the client shows real diffs."""
    approval_full_texts: bool = False
    """`experimental.codexApproval = {"fullTexts": true}`: send an update's whole old and
    new text in `codex/approveEdit` (else its hunks and diff only: the client has the text)."""
    codex_auth_events: bool = False
    """`experimental.codexAuthEvents = true`: the client prompts on `authRequired` itself."""
    inline_completion_dynamic: bool = False
    """`textDocument.inlineCompletion.dynamicRegistration`: it may be registered later."""
    codex_intel: bool = False
    """`experimental.codexIntel = true`: the client answers `codex/intel` from its servers."""
    codex_user_input: bool = False
    """`experimental.codexUserInput = true`: the client asks `codex/requestUserInput` inline."""

    @classmethod
    def from_lsp(cls, caps: Any) -> ClientCapabilities:
        """Resolve lsprotocol's `ClientCapabilities` (or None) once."""
        workspace_edit = _get(caps, "workspace", "workspace_edit")
        ops = _get(workspace_edit, "resource_operations") or []
        experimental = _get(caps, "experimental")
        approval = (
            experimental.get(wire.APPROVAL_CAPABILITY) if isinstance(experimental, dict) else None
        )
        return cls(
            edits=ClientEditSupport(
                document_changes=_get(workspace_edit, "document_changes") is True,
                resource_operations=frozenset(str(getattr(o, "value", o)) for o in ops),
            ),
            show_document=_get(caps, "window", "show_document", "support") is True,
            work_done_progress=_get(caps, "window", "work_done_progress") is True,
            codex_approval=approval is True or isinstance(approval, dict),
            approval_full_texts=isinstance(approval, dict)
            and approval.get(wire.APPROVAL_FULL_TEXTS) is True,
            codex_intel=isinstance(experimental, dict)
            and experimental.get(wire.INTEL_CAPABILITY) is True,
            codex_user_input=isinstance(experimental, dict)
            and experimental.get(wire.USER_INPUT_CAPABILITY) is True,
            codex_auth_events=isinstance(experimental, dict)
            and experimental.get("codexAuthEvents") is True,
            inline_completion_dynamic=_get(
                caps, "text_document", "inline_completion", "dynamic_registration"
            )
            is True,
        )
