"""Cancelling a running agent task: by the progress token (``window/workDoneProgress/cancel``)
and by ``outrider.agent.cancel``. The progress ends, the user is told, nothing is applied."""

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.emulator import Emulator
from tests.lsp.conftest import StartClient, copy_workspace, wait_for_message

SLOW_LOOP = {"tool_calls": [{"name": "list_files", "arguments": {}}], "repeat": True, "chunk_delay_s": 0.3}


async def wait_for_requests(emulator: Emulator, count: int, timeout_s: float = 30.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if len(emulator.requests) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the agent did not call the model {count} time(s)")


@pytest.mark.parametrize("how", ["progress", "command"])
async def test_cancel_stops_the_task(
    how: str,
    client_profile: str,
    emulator: Emulator,
    start_client: StartClient,
    tmp_path: Path,
) -> None:
    emulator.script(SLOW_LOOP)
    work = copy_workspace("agent_rename", tmp_path)
    options = {"provider": "anthropic", "base_url": emulator.anthropic_base_url}
    client = await start_client(
        workspace=work,
        profile=client_profile,
        initialization_options=options,
        env={"ANTHROPIC_API_KEY": "sk-ant-emulator"},
    )
    editor = PretendEditor(client).install()
    started = await run_agent(client, {"instruction": "Keep going."})
    await wait_for_requests(emulator, 1)
    if how == "progress":
        client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=started["token"]))
    else:
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="outrider.agent.cancel", arguments=[{"taskId": started["taskId"]}])
        )
        assert result == {"cancelled": [started["taskId"]]}
    end = await progress_end(client, started["token"], timeout_s=15)
    assert end.message == "Cancelled"
    await wait_for_message(client, lambda m: "cancelled" in m.message)
    # The task is gone (nothing of it can call the model any more) and every call it made has ended.
    left = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.agent.cancel", arguments=[{}])
    )
    assert left == {"cancelled": []}
    calls = len(emulator.requests)
    outcomes = await asyncio.to_thread(emulator.outcomes, calls)
    assert outcomes[-1] == "client_closed" and len(emulator.requests) == calls
    assert not editor.edits
