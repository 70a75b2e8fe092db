"""MCP tools through the frontends: ACP asks with session/request_permission, the terminal allows
them with --yes and refuses them when there is no one to ask. The fixture MCP server is real."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from acp import text_block

from server.cli import main
from tests.acp.conftest import RecordingClient, acp_agent, write_user_config
from tests.agent.task_scripts import call
from tests.emulator import Emulator
from tests.mcp.conftest import FIXTURE_SERVER
from tests.terminal.conftest import refactor_argv

REPLIES = [
    {"tool_calls": [call("mcp__fx__echo", text="hello from the model")]},
    {"text": "The echo tool answered."},
]
MCP_CONFIG = f"""
[mcp.servers.fx]
command = {json.dumps(sys.executable)}
args = [{json.dumps(str(FIXTURE_SERVER))}]
"""


def tool_result_sent(emulator: Emulator) -> str:
    """The tool result in the second model request, as the model saw it."""
    return json.dumps(emulator.requests[1].body["messages"][-1])


@pytest.mark.parametrize(
    ("answer", "expected"), [("allow_once", "echo: hello from the model"), ("reject_once", "did not allow")]
)
async def test_acp_asks_before_the_first_use_of_an_mcp_tool(
    emulator: Emulator, work: Path, agent_env: dict[str, str], answer: str, expected: str
) -> None:
    write_user_config(agent_env, MCP_CONFIG)
    emulator.script(*REPLIES)
    client = RecordingClient(answer=answer)
    async with acp_agent(client, emulator.anthropic_base_url, agent_env) as conn:
        session = await conn.new_session(cwd=str(work))
        response = await asyncio.wait_for(
            conn.prompt(session_id=session.session_id, prompt=[text_block("Echo something")]), 90
        )
    assert response.stop_reason == "end_turn"
    [(tool_call, options)] = client.permissions
    assert "Allow MCP tool echo from fx" in tool_call.title
    assert options == ["allow_once", "allow_always", "reject_once"]
    assert expected in tool_result_sent(emulator)
    assert "mcp__fx__echo" in [t["name"] for t in emulator.requests[0].body["tools"]]


def test_workspace_settings_cannot_start_mcp_servers(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "outrider.toml").write_text(MCP_CONFIG, encoding="utf-8")
    emulator.script({"text": "nothing to do"})
    main(refactor_argv(emulator.anthropic_base_url, work))
    assert "'mcp.servers' can only be set in your user config" in capsys.readouterr().err
    assert not [t for t in emulator.requests[0].body["tools"] if t["name"].startswith("mcp__")]


def test_terminal_yes_allows_mcp_tools_for_the_run(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.terminal.conftest import write_user_config as write_terminal_config

    write_terminal_config(cli_env, MCP_CONFIG)
    emulator.script(*REPLIES)
    main(refactor_argv(emulator.anthropic_base_url, work, "--yes"))
    assert "echo: hello from the model" in tool_result_sent(emulator)


def test_terminal_without_a_tty_refuses_unapproved_mcp_tools(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.terminal.conftest import write_user_config as write_terminal_config

    write_terminal_config(cli_env, MCP_CONFIG)
    emulator.script(*REPLIES)
    main(refactor_argv(emulator.anthropic_base_url, work))
    assert "did not allow mcp__fx__echo" in tool_result_sent(emulator)
