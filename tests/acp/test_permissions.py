"""Session modes and the rules that always ask: edits to Outrider's settings and deletions ask in
every mode and never offer "always"; detected test commands are asked about once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from acp import text_block

from tests.acp.conftest import RecordingClient, acp_agent
from tests.agent.task_scripts import call, edit
from tests.emulator import Emulator

RENAME_ONE = edit("shop/pricing.py", ("def calc_total(", "def compute_total("))


async def prompt_once(client: RecordingClient, emulator: Emulator, work: Path, env: dict[str, str], mode: str) -> str:
    async with acp_agent(client, emulator.anthropic_base_url, env) as conn:
        session = await conn.new_session(cwd=str(work))
        await conn.set_session_mode(session_id=session.session_id, mode_id=mode)
        response = await asyncio.wait_for(conn.prompt(session_id=session.session_id, prompt=[text_block("Go")]), 60)
    return response.stop_reason


async def test_edit_automatically_writes_without_asking(
    emulator: Emulator, work: Path, agent_env: dict[str, str]
) -> None:
    emulator.script({"tool_calls": [RENAME_ONE]}, {"text": "Done."})
    client = RecordingClient(answer="reject_once")  # would refuse, if it were asked
    assert await prompt_once(client, emulator, work, agent_env, "auto") == "end_turn"
    assert client.permissions == []
    assert "def compute_total(" in (work / "shop" / "pricing.py").read_text(encoding="utf-8")


async def test_settings_edits_and_deletions_ask_even_when_editing_automatically(
    emulator: Emulator, work: Path, agent_env: dict[str, str]
) -> None:
    emulator.script(
        {
            "tool_calls": [
                call("propose_edit", path="outrider.toml", new_content='model = "other"\n'),
                call("propose_edit", path="shop/cart.py", delete=True),
                RENAME_ONE,
            ]
        },
        {"text": "Done."},
    )
    client = RecordingClient(answer="allow_once")
    assert await prompt_once(client, emulator, work, agent_env, "auto") == "end_turn"
    asked = sorted((call.title.split(":")[0], options) for call, options in client.permissions)
    assert asked == [
        ("outrider.toml", ["allow_once", "reject_once"]),
        ("shop/cart.py", ["allow_once", "reject_once"]),
    ]
    assert (work / "outrider.toml").read_text(encoding="utf-8") == 'model = "other"\n'
    assert not (work / "shop" / "cart.py").exists()  # deleted on disk: ACP has no delete request


async def test_allow_always_switches_the_session_to_edit_automatically(
    emulator: Emulator, work: Path, agent_env: dict[str, str]
) -> None:
    emulator.script({"tool_calls": [RENAME_ONE]}, {"text": "Done."})
    client = RecordingClient(answer="allow_always")
    assert await prompt_once(client, emulator, work, agent_env, "ask") == "end_turn"
    assert len(client.permissions) == 1
    assert [u.current_mode_id for u in client.updates if u.session_update == "current_mode_update"] == ["auto"]


async def test_detected_test_commands_are_asked_about_once_and_always_is_remembered(
    emulator: Emulator, work: Path, agent_env: dict[str, str]
) -> None:
    emulator.script({"text": "An answer."}, {"text": "Another answer."})
    client = RecordingClient(tests_answer="allow_always")
    async with acp_agent(client, emulator.anthropic_base_url, agent_env) as conn:
        for _ in range(2):
            session = await conn.new_session(cwd=str(work))
            await asyncio.wait_for(conn.prompt(session_id=session.session_id, prompt=[text_block("Explain")]), 60)
    [question] = client.test_questions
    assert question.kind == "execute" and "-m pytest -q" in question.title
    remembered = json.loads((Path(agent_env["OUTRIDER_HOME"]) / "test_commands.json").read_text(encoding="utf-8"))
    assert list(remembered) == [str(await asyncio.to_thread(work.resolve))]
    assert "run_tests" in [t["name"] for t in emulator.requests[1].body["tools"]]
