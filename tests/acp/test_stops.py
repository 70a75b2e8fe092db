"""How a turn ends early: cancelled mid-stream, or a budget limit."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from acp import text_block

from tests.acp.conftest import RecordingClient, acp_agent, write_user_config
from tests.agent.task_scripts import call
from tests.emulator import Emulator

CHUNKS = 40


async def test_cancel_mid_stream_stops_within_one_chunk(
    emulator: Emulator, work: Path, agent_env: dict[str, str]
) -> None:
    emulator.script({"chunks": [f"word{i} " for i in range(CHUNKS)], "chunk_delay_s": 0.25})
    first_chunk = asyncio.Event()
    client = RecordingClient(
        on_update=lambda u: first_chunk.set() if u.session_update == "agent_message_chunk" else None
    )
    async with acp_agent(client, emulator.anthropic_base_url, agent_env) as conn:
        session = await conn.new_session(cwd=str(work))
        prompt = asyncio.create_task(conn.prompt(session_id=session.session_id, prompt=[text_block("Explain cart.py")]))
        await asyncio.wait_for(first_chunk.wait(), 60)
        seen_at_cancel = len(client.text().split())
        await conn.cancel(session_id=session.session_id)
        response = await asyncio.wait_for(prompt, 30)
    assert response.stop_reason == "cancelled"
    words = client.text().split()
    assert len(words) <= seen_at_cancel + 1, words  # at most the chunk already in flight
    assert words[0] == "word0"


async def test_step_budget_ends_the_turn_with_max_turn_requests(
    emulator: Emulator, work: Path, agent_env: dict[str, str]
) -> None:
    emulator.script(*[{"tool_calls": [call("read_file", path="shop/cart.py")]}] * 3)
    client = RecordingClient()
    async with acp_agent(client, emulator.anthropic_base_url, agent_env, "--max-steps", "2") as conn:
        session = await conn.new_session(cwd=str(work))
        response = await asyncio.wait_for(
            conn.prompt(session_id=session.session_id, prompt=[text_block("Read cart.py forever")]), 60
        )
    assert response.stop_reason == "max_turn_requests"
    assert response.field_meta["outrider"]["limit"] == "steps"
    assert len(emulator.requests) == 2  # the third call was never made
    assert "budget exhausted: steps limit 2 reached" in client.text()
    usage: Any = [u for u in client.updates if u.session_update == "usage_update"][-1]
    assert usage.field_meta["outrider"]["steps"] == 2 and usage.field_meta["outrider"]["maxSteps"] == 2


async def test_output_token_budget_ends_the_turn_with_max_tokens(
    emulator: Emulator, work: Path, agent_env: dict[str, str]
) -> None:
    write_user_config(agent_env, "[agent]\nmax_output_tokens = 50\n")
    big = {"input_tokens": 10, "output_tokens": 60}
    emulator.script({"tool_calls": [call("read_file", path="shop/cart.py")], "usage": big})
    client = RecordingClient()
    async with acp_agent(client, emulator.anthropic_base_url, agent_env) as conn:
        session = await conn.new_session(cwd=str(work))
        response = await asyncio.wait_for(
            conn.prompt(session_id=session.session_id, prompt=[text_block("Read cart.py")]), 60
        )
    assert response.stop_reason == "max_tokens"
    assert response.field_meta["outrider"]["limit"] == "output_tokens"
    assert len(emulator.requests) == 1
