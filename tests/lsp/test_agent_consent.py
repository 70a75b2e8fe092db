"""Detected test commands are only suggestions: the user is asked once, the answer is remembered,
and only then may the agent run them."""

import json
from pathlib import Path

from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.emulator import Emulator
from tests.lsp.conftest import StartClient, copy_workspace


async def test_detected_commands_need_consent_once(
    emulator: Emulator,
    start_client: StartClient,
    lsp_env: dict[str, str],
    tmp_path: Path,
) -> None:
    emulator.script({"text": "nothing to do"}, {"text": "still nothing"}, {"text": "and again"})
    work = copy_workspace("agent_fix_test", tmp_path)
    options = {"provider": "anthropic", "base_url": emulator.anthropic_base_url}
    client = await start_client(workspace=work, initialization_options=options, env={"ANTHROPIC_API_KEY": "sk-ant-x"})
    editor = PretendEditor(client, answer="Not now").install()

    first = await run_agent(client, {"instruction": "Fix the tests.", "runTests": True})
    await progress_end(client, first["token"])
    assert len(editor.questions) == 1 and "pytest -q" in editor.questions[0]
    assert "none (run_tests is unavailable)" in emulator.requests[0].body["system"][0]["text"]

    editor.answer = "Allow"
    second = await run_agent(client, {"instruction": "Fix the tests.", "runTests": True})
    await progress_end(client, second["token"])
    assert len(editor.questions) == 2
    assert "-m pytest -q" in emulator.requests[1].body["system"][0]["text"]
    stored = json.loads((Path(lsp_env["OUTRIDER_HOME"]) / "test_commands.json").read_text())
    [commands] = stored.values()
    assert commands[0][1:] == ["-m", "pytest", "-q"]

    third = await run_agent(client, {"instruction": "Fix the tests.", "runTests": True})
    await progress_end(client, third["token"])
    assert len(editor.questions) == 2  # remembered: not asked again
