"""An agent's edit plan as one ``workspace/applyEdit``: the protocol side of applying it.

What happens to each file edit (taken, rebased, created, deleted or refused) is decided by
:func:`server.agent.edit_decision.decide_edit`, shared with the other frontends; this module asks
it with the editor's text of the file (the open buffer, else the file on disk) and what the client
can do, and turns the decisions into versioned ``TextDocumentEdit``s (one text edit per changed
hunk), file operations and change annotations. Edits that need confirmation carry an annotation,
or are asked about with ``window/showMessageRequest`` when the client has no annotation support.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types

from server.agent.apply import read_current_text
from server.agent.edit_decision import ChangeFile, CreateFile, DeleteFile, Refuse, decide_edit
from server.agent.plan import EditPlan, FileEdit
from server.lsp.convert import (
    lsp_create_file,
    lsp_delete_file,
    lsp_document_edit,
    lsp_hunk_edits,
    lsp_plain_changes,
    path_to_uri,
)
from server.lsp.server import OutriderServer

CONFIRM_ANNOTATION = "outrider.needsConfirmation"


def versioned_edits(ls: OutriderServer) -> bool:
    """Whether the client takes ``documentChanges`` (versions, file operations, annotations)."""
    return ls.client_supports("workspace.workspace_edit.document_changes")


async def apply_plan(ls: OutriderServer, plan: EditPlan) -> str:
    """Send the plan's edits in one ``workspace/applyEdit``; one line saying what happened."""
    versioned = versioned_edits(ls)
    annotations = versioned and ls.client_supports("workspace.workspace_edit.change_annotation_support")
    edits = list(plan.edits)
    if plan.needs_confirmation and not annotations:
        edits = await confirm_by_message(ls, edits)
    changes: list[Any] = []
    refused: list[str] = []
    for edit in edits:
        change = await document_change(ls, edit, annotate=annotations and edit.needs_confirmation)
        if isinstance(change, str):
            refused.append(change)
        else:
            changes.extend(change)
    if not changes:
        return "Nothing applied: " + "; ".join(refused) if refused else "Nothing to apply."
    if versioned:
        workspace_edit = types.WorkspaceEdit(document_changes=changes)
    else:
        workspace_edit = types.WorkspaceEdit(changes=lsp_plain_changes(changes))
    if annotations and plan.needs_confirmation:
        reasons = "; ".join(sorted({e.reason for e in edits if e.reason}))
        workspace_edit.change_annotations = {
            CONFIRM_ANNOTATION: types.ChangeAnnotation(
                label="Outrider: needs confirmation", needs_confirmation=True, description=reasons
            )
        }
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=workspace_edit, label="Outrider agent edits")
    )
    refusals = f" Refused: {'; '.join(refused)}." if refused else ""
    if not result.applied:
        why = result.failure_reason or "the editor did not apply them"
        ls.show_message(f"Outrider: the edits were not applied ({why}).{refusals}", types.MessageType.Warning)
        return f"Not applied: {why}.{refusals}"
    if refused:
        ls.show_message(f"Outrider: some edits were refused: {'; '.join(refused)}", types.MessageType.Warning)
    return f"Applied.{refusals}"


async def confirm_by_message(ls: OutriderServer, edits: list[FileEdit]) -> list[FileEdit]:
    risky = [e for e in edits if e.needs_confirmation]
    listing = "; ".join(f"{e.rel_path} ({e.reason})" for e in risky)
    apply, skip = types.MessageActionItem(title="Apply all"), types.MessageActionItem(title="Skip these")
    answer = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Warning,
            message=f"Outrider wants to make edits that need your confirmation: {listing}",
            actions=[apply, skip],
        )
    )
    if answer is not None and answer.title == apply.title:
        return edits
    return [e for e in edits if not e.needs_confirmation]


async def document_change(ls: OutriderServer, edit: FileEdit, *, annotate: bool) -> list[Any] | str:
    """The document changes for one file edit, or why it is refused."""
    uri = path_to_uri(edit.path)
    annotation = CONFIRM_ANNOTATION if annotate else None
    document = ls.document_for(uri) or ls.documents.get(str(edit.path))
    current = document.text if document is not None else await asyncio.to_thread(read_current_text, edit.path)
    version = document.version if document is not None else None
    resources = versioned_edits(ls) and ls.client_supports("workspace.workspace_edit.resource_operations")
    decision = decide_edit(edit, current, can_create_delete=resources)
    if isinstance(decision, Refuse):
        return decision.reason
    if isinstance(decision, DeleteFile):
        return [lsp_delete_file(uri, annotation)]
    if isinstance(decision, CreateFile):
        return lsp_create_file(uri, decision.text, annotation)
    assert isinstance(decision, ChangeFile) and current is not None
    return [lsp_document_edit(uri, version, lsp_hunk_edits(current, decision.hunks, annotation))]
