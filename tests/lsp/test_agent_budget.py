"""Budgets through LSP: a scripted endless tool loop (the emulator repeats a tool call forever,
through the real Anthropic SDK) stops at max steps, at max dollars and at max seconds; the
progress ends with a message saying what was spent, and the user is told."""

from pathlib import Path
from typing import Any

import pytest

from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.emulator import Emulator
from tests.lsp.conftest import StartClient, copy_workspace, wait_for_message

LOOP = {"tool_calls": [{"name": "list_files", "arguments": {}}], "repeat": True}

CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    # limit, client profile, agent settings, emulator reply overrides
    ("steps", "visual-studio-code", {"max_steps": 3}, {}),
    (
        "cost_usd",
        "neovim",
        {"max_cost_usd": 0.02, "max_input_tokens": 100_000_000},
        {"usage": {"input_tokens": 4000, "output_tokens": 10}},
    ),
    ("seconds", "visual-studio-code", {"max_seconds": 1.0}, {"chunk_delay_s": 0.15}),
]


@pytest.mark.parametrize(("limit", "profile", "agent", "reply"), CASES, ids=[c[0] for c in CASES])
async def test_endless_loop_stops_at_the_limit(
    limit: str,
    profile: str,
    agent: dict[str, Any],
    reply: dict[str, Any],
    emulator: Emulator,
    start_client: StartClient,
    tmp_path: Path,
) -> None:
    emulator.script({**LOOP, **reply})
    work = copy_workspace("agent_rename", tmp_path)
    options = {"provider": "anthropic", "base_url": emulator.anthropic_base_url, "agent": agent}
    client = await start_client(
        workspace=work, profile=profile, initialization_options=options, env={"ANTHROPIC_API_KEY": "sk-ant-emulator"}
    )
    editor = PretendEditor(client).install()
    started = await run_agent(client, {"instruction": "Look at every file, forever."})
    end = await progress_end(client, started["token"])
    assert end.message is not None
    assert f"budget exhausted: {limit} limit" in end.message, end.message
    assert "tokens" in end.message and "$" in end.message
    shown = await wait_for_message(client, lambda m: "budget exhausted" in m.message)
    assert shown.message == end.message
    assert not editor.edits  # nothing is applied after a budget stop
    calls = len(emulator.requests)
    if limit == "steps":
        assert calls == 3
    elif limit == "cost_usd":
        assert calls == 2  # $0.012 a call: the second call passes the $0.02 limit; no third one starts
    else:
        assert 1 <= calls <= 4
