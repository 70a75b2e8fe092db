"""MCP tools in the editor: the first use asks with window/showMessageRequest; "Always allow" is
remembered, "Reject" goes back to the model as a refusal. The fixture MCP server is real."""

import json
import sys
from pathlib import Path

from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.agent.task_scripts import call
from tests.emulator import Emulator
from tests.emulator.fixtures import emulator  # noqa: F401
from tests.lsp.conftest import StartClient, copy_workspace
from tests.mcp.conftest import FIXTURE_SERVER

ECHO = {"tool_calls": [call("mcp__fx__echo", text="from the editor")]}


async def test_mcp_tools_ask_in_the_editor(
    emulator: Emulator,  # noqa: F811
    start_client: StartClient,
    lsp_env: dict[str, str],
    tmp_path: Path,
) -> None:
    emulator.script(ECHO, {"text": "refused"}, ECHO, {"text": "echoed"}, ECHO, {"text": "echoed again"})
    work = copy_workspace("agent_fix_test", tmp_path)
    options = {
        "provider": "anthropic",
        "base_url": emulator.anthropic_base_url,
        "mcp": {"servers": {"fx": {"command": sys.executable, "args": [str(FIXTURE_SERVER)]}}},
    }
    client = await start_client(workspace=work, initialization_options=options, env={"ANTHROPIC_API_KEY": "sk-ant-x"})
    editor = PretendEditor(client, answer="Reject").install()

    def last_tool_result() -> str:
        return json.dumps(emulator.requests[-1].body["messages"][-1])

    for answer, expected, asked in (
        ("Reject", "did not allow mcp__fx__echo", 1),
        ("Always allow", "echo: from the editor", 2),
        ("Reject", "echo: from the editor", 2),  # remembered: not asked again
    ):
        editor.answer = answer
        started = await run_agent(client, {"instruction": "Echo something."})
        await progress_end(client, started["token"])
        assert expected in last_tool_result()
        assert len(editor.questions) == asked
    assert "MCP tool echo from the server fx" in editor.questions[0]
