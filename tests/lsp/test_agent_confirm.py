"""Edits that need confirmation (here: Outrider's own ignore file): VS Code gets a change
annotation with needsConfirmation; Neovim, which declares no annotation support, is asked with
window/showMessageRequest, and "Skip these" leaves the file alone."""

from pathlib import Path

from lsprotocol import types

from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.emulator import Emulator
from tests.lsp.conftest import StartClient, copy_workspace

EDIT = {
    "name": "propose_edit",
    "arguments": {"path": ".outriderignore", "edits": [{"search": "*.log", "replace": "*.log\n*.tmp"}]},
}


async def test_confirmation_per_client(
    emulator: Emulator,
    start_client: StartClient,
    client_profile: str,
    tmp_path: Path,
) -> None:
    emulator.script({"tool_calls": [EDIT]}, {"text": "Ignored temporary files."})
    work = copy_workspace("agent_rename", tmp_path)
    (work / ".outriderignore").write_text("*.log\n")
    options = {"provider": "anthropic", "base_url": emulator.anthropic_base_url}
    client = await start_client(
        workspace=work, profile=client_profile, initialization_options=options, env={"ANTHROPIC_API_KEY": "sk-ant-x"}
    )
    editor = PretendEditor(client, answer="Skip these").install()
    started = await run_agent(client, {"instruction": "Ignore *.tmp files too."})
    end = await progress_end(client, started["token"])
    assert end.message is not None
    if client_profile == "visual-studio-code":
        [edit] = editor.edits
        annotation = (edit.change_annotations or {})["outrider.needsConfirmation"]
        assert annotation.needs_confirmation and "configuration" in (annotation.description or "")
        [change] = edit.document_changes or []
        assert isinstance(change, types.TextDocumentEdit)
        [text_edit] = change.edits
        assert (
            isinstance(text_edit, types.AnnotatedTextEdit) and text_edit.annotation_id == "outrider.needsConfirmation"
        )
        assert not editor.questions
    else:
        [question] = editor.questions
        assert ".outriderignore" in question and "configuration" in question
        assert not editor.edits and "Nothing to apply" in end.message
        assert (work / ".outriderignore").read_text() == "*.log\n"
