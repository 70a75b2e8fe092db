"""The three recorded tasks, replayed end to end through LSP (VS Code and Neovim capabilities):
``outrider.agent.run`` -> progress -> ``workspace/applyEdit`` -> the fixture's own tests pass."""

import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.agent.task_scripts import TASKS, TaskScript
from tests.lsp.conftest import StartClient, copy_workspace

SESSIONS = Path(__file__).resolve().parents[1] / "agent" / "sessions"
CHECKS = [sys.executable, "run_checks.py"]


def checks_pass(work: Path) -> bool:
    return subprocess.run(CHECKS, cwd=work, capture_output=True, check=False).returncode == 0


@pytest.mark.parametrize("script", TASKS, ids=lambda s: s.name)
async def test_recorded_task_through_lsp(
    script: TaskScript, start_client: StartClient, client_profile: str, tmp_path: Path
) -> None:
    work = copy_workspace(script.workspace.name, tmp_path)
    options = {
        "provider": "replay",
        "replay_session": str(SESSIONS / f"{script.name}.jsonl"),
        "agent": {"test_commands": [CHECKS]},
    }
    client = await start_client(workspace=work, profile=client_profile, initialization_options=options)
    editor = PretendEditor(client).install()
    started = await run_agent(client, {"instruction": script.instruction, "runTests": True})
    assert started["taskId"] == "agent-1"
    end = await progress_end(client, started["token"])
    assert end.message is not None and end.message.startswith("Outrider: done."), end.message
    assert "Applied." in end.message
    reports = client.progress_reports[started["token"]]
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    steps = [r.message for r in reports if isinstance(r, types.WorkDoneProgressReport) and r.message]
    assert any("propose_edit" in m and "$" in m and "tokens" in m for m in steps), steps
    if script.name == "rename":  # the model's streamed text is reported too
        assert any(m.startswith("Renaming") for m in steps), steps
    [edit] = editor.edits
    if client_profile == "neovim":  # no documentChanges capability declared: plain `changes`
        assert edit.document_changes is None and edit.changes is not None
        changed = sorted(edit.changes)
    else:
        changed = sorted(c.text_document.uri for c in edit.document_changes or [])
    assert changed == sorted((work / rel).resolve().as_uri() for rel in script.changed)
    assert checks_pass(work)
