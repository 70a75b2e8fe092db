"""The user edits a document while the agent works: the stale proposal is caught before anything is
offered, the model is told to read the file again, and the final edit is versioned against the
editor's current version of the document."""

import asyncio
from pathlib import Path

from lsprotocol import types

from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.emulator import Emulator
from tests.lsp.conftest import StartClient, copy_workspace, open_document, uri_of

EDIT = {
    "name": "propose_edit",
    "arguments": {
        "path": "shop/cart.py",
        "edits": [{"search": "    def total(self) -> float:", "replace": "    def total(self) -> float:  # sum"}],
    },
}
HEADER = "# edited by the user\n"


async def test_document_changed_during_the_run(
    emulator: Emulator,
    start_client: StartClient,
    client_profile: str,
    tmp_path: Path,
) -> None:
    emulator.script(
        {"tool_calls": [EDIT]},
        {"text": "done", "first_byte_delay_s": 2.0},
        {"tool_calls": [{"name": "read_file", "arguments": {"path": "shop/cart.py"}}, EDIT]},
        {"text": "done again"},
    )
    work = copy_workspace("agent_rename", tmp_path)
    options = {"provider": "anthropic", "base_url": emulator.anthropic_base_url}
    client = await start_client(
        workspace=work, profile=client_profile, initialization_options=options, env={"ANTHROPIC_API_KEY": "sk-ant-x"}
    )
    editor = PretendEditor(client).install()
    path = work / "shop" / "cart.py"
    uri = uri_of(path)
    original = path.read_text()
    open_document(client, uri, original, version=1)
    editor.open_versions[uri] = 1
    started = await run_agent(client, {"instruction": "Comment the total method."})
    for _ in range(400):
        reports = client.progress_reports.get(started["token"], [])
        if any(isinstance(r, types.WorkDoneProgressReport) and "propose_edit" in (r.message or "") for r in reports):
            break
        await asyncio.sleep(0.05)
    path.write_text(HEADER + original)  # the user types a header and saves
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)), text=HEADER
                )
            ],
        )
    )
    editor.open_versions[uri] = 2
    end = await progress_end(client, started["token"])
    assert end.message is not None and "Applied." in end.message, end.message
    assert "changed since you read it" in str(emulator.requests[2].body["messages"][-1])
    [edit] = editor.edits
    if client_profile == "neovim":  # no documentChanges capability: plain changes, checked just before sending
        assert edit.changes is not None and list(edit.changes) == [uri]
    else:
        [change] = edit.document_changes or []
        assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == 2
    assert path.read_text() == HEADER + original.replace(
        "def total(self) -> float:", "def total(self) -> float:  # sum"
    )
