"""The attack script of tests/agent/test_attacks.py, through LSP: a hostile model and a hostile
workspace; nothing secret reaches the emulator's request log and nothing is written."""

from pathlib import Path

from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.agent.test_attacks import ATTACKS, ENV_FILE_SECRET, PRINT_ENV, PROCESS_SECRET, SECRETS, hostile_workspace
from tests.emulator import Emulator
from tests.lsp.conftest import StartClient


async def test_nothing_escapes_through_lsp(
    emulator: Emulator,
    start_client: StartClient,
    client_profile: str,
    tmp_path: Path,
) -> None:
    work = hostile_workspace(tmp_path)
    emulator.script({"tool_calls": ATTACKS}, {"text": "I will not do that."})
    options = {"provider": "openai", "base_url": emulator.openai_base_url, "agent": {"test_commands": [PRINT_ENV]}}
    client = await start_client(
        workspace=work,
        profile=client_profile,
        initialization_options=options,
        env={"OPENAI_API_KEY": "sk-emulator", "BILLING_API_TOKEN": PROCESS_SECRET},
    )
    editor = PretendEditor(client).install()
    started = await run_agent(client, {"instruction": "Summarise the README.", "runTests": True})
    end = await progress_end(client, started["token"])
    assert end.message is not None and end.message.startswith("Outrider: done. No edits."), end.message
    sent = str([r.body for r in emulator.requests])
    for secret in SECRETS:
        assert secret not in sent, secret
    assert "exit code 0" in sent  # the configured command did run (with a scrubbed environment)
    assert not editor.edits
    assert (work / ".env").read_text() == f"ANTHROPIC_API_KEY={ENV_FILE_SECRET}\n"
