"""Three realistic next-edit cases end to end (without the editor): the emulator answers through the
real Anthropic SDK, the engine predicts, and the predicted edit is the expected one. Each run is
recorded; the committed recordings under ``sessions/`` (regenerate with ``UPDATE_SESSIONS=1``) must
replay against the current code: a changed prompt fails loudly there."""

import os
from pathlib import Path

import pytest

from server.models.registry import build_provider
from tests.emulator import Emulator
from tests.nextedit.case_scripts import CASES, NextEditCase
from tests.nextedit.session_run import case_settings, run_case

SESSIONS = Path(__file__).parent / "sessions"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_case_through_the_emulator(case: NextEditCase, emulator: Emulator, tmp_path: Path) -> None:
    emulator.script({"text": case.reply, "usage": {"input_tokens": 900, "output_tokens": 80}})
    settings = case_settings(provider="anthropic", base_url=emulator.anthropic_base_url)
    record = SESSIONS / f"{case.name}.jsonl" if os.environ.get("UPDATE_SESSIONS") else tmp_path / "session.jsonl"
    record.unlink(missing_ok=True)  # the recorder appends
    provider = build_provider(settings, env={"ANTHROPIC_API_KEY": "sk-ant-emulator-key"}, record_to=record)
    result, after = await run_case(case, provider, settings, tmp_path)
    assert result.dropped is None and result.source == "model", result
    assert after == case.expected
    (request,) = emulator.requests
    prompt = request.body["messages"][-1]["content"][0]["text"]
    assert case.diff.splitlines()[-1] in prompt  # the user's edit reached the prompt
    assert str(tmp_path) not in str(request.body) and "sk-ant-emulator-key" not in str(request.body)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_recorded_session_replays(case: NextEditCase, tmp_path: Path) -> None:
    settings = case_settings(provider="replay", replay_session=str(SESSIONS / f"{case.name}.jsonl"))
    result, after = await run_case(case, build_provider(settings, env={}), settings, tmp_path)
    assert result.error is None, result.error
    assert after == case.expected
