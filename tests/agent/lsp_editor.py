"""A pretend editor for agent tests through LSP: it applies ``workspace/applyEdit`` to files on
disk the way an editor would (checking versions of open documents), answers
``window/showMessageRequest`` with a chosen action, and waits for a progress token to end."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from context.source.positions import LineIndex, Position


def uri_path(uri: str) -> Path:
    assert uri.startswith("file://"), uri
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(uri).path))


def apply_text_edits(text: str, edits: list[Any]) -> str:
    lines = LineIndex(text)
    spans = []
    for edit in edits:
        start = lines.offset_at(text, Position(edit.range.start.line, edit.range.start.character))
        end = lines.offset_at(text, Position(edit.range.end.line, edit.range.end.character))
        spans.append((start, end, edit.new_text))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


@dataclass
class PretendEditor:
    client: LanguageClient
    answer: str | None = "Apply all"  # the action chosen for showMessageRequest (None: dismiss)
    open_versions: dict[str, int] = field(default_factory=dict)
    edits: list[types.WorkspaceEdit] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    def install(self) -> PretendEditor:
        @self.client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            self.edits.append(params.edit)
            return self.apply(params.edit)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        def ask(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
            self.questions.append(params.message)
            return None if self.answer is None else types.MessageActionItem(title=self.answer)

        return self

    def apply(self, edit: types.WorkspaceEdit) -> types.ApplyWorkspaceEditResult:
        for uri, text_edits in sorted((edit.changes or {}).items()):
            path = uri_path(uri)
            path.write_text(apply_text_edits(path.read_text(encoding="utf-8"), list(text_edits)), encoding="utf-8")
        for change in edit.document_changes or []:
            if isinstance(change, types.TextDocumentEdit):
                uri = change.text_document.uri
                expected = self.open_versions.get(uri)
                if change.text_document.version is not None and change.text_document.version != expected:
                    return types.ApplyWorkspaceEditResult(applied=False, failure_reason=f"version mismatch for {uri}")
                path = uri_path(uri)
                old = path.read_text(encoding="utf-8") if path.exists() else ""
                path.write_text(apply_text_edits(old, list(change.edits)), encoding="utf-8")
            elif isinstance(change, types.CreateFile):
                path = uri_path(change.uri)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
            elif isinstance(change, types.DeleteFile):
                uri_path(change.uri).unlink()
        return types.ApplyWorkspaceEditResult(applied=True)


async def run_agent(client: LanguageClient, arguments: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.agent.run", arguments=[arguments])
    )
    return result


async def progress_end(client: LanguageClient, token: str, timeout_s: float = 60.0) -> types.WorkDoneProgressEnd:
    """The end report of `token` (waits for it)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        reports = client.progress_reports.get(token, [])
        if reports and isinstance(reports[-1], types.WorkDoneProgressEnd):
            return reports[-1]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"progress {token} did not end within {timeout_s}s: {reports}")
        await asyncio.sleep(0.05)
