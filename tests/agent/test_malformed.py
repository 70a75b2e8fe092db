"""Invalid tool-call JSON from the model (through the real SDKs and the emulator) goes back to the
model as a format error, a bounded number of times in a row."""

from pathlib import Path

import pytest

from server.agent.outcomes import Failed, Final
from server.agent.session import AgentTask, build_env, run_agent_task
from server.config import Settings
from server.models.registry import build_provider
from tests.emulator import Emulator

BROKEN = {"tool_calls": [{"name": "read_file", "arguments_raw": '{"path": "README.md"'}]}


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
async def test_broken_arguments_then_recovery(provider: str, emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# hi\n")
    emulator.script(BROKEN, {"text": "recovered"})
    base_url = emulator.anthropic_base_url if provider == "anthropic" else emulator.openai_base_url
    settings = Settings(provider=provider, base_url=base_url)  # type: ignore[arg-type]
    keys = {"ANTHROPIC_API_KEY": "sk-ant-x", "OPENAI_API_KEY": "sk-x"}
    run = await run_agent_task(
        AgentTask("read"), build_env(settings, [tmp_path]), settings, provider=build_provider(settings, env=keys)
    )
    assert isinstance(run.outcome, Final), run.outcome
    assert run.outcome.answer == "recovered"
    assert "could not be read" in str(emulator.requests[-1].body["messages"])


async def test_endless_broken_arguments_are_bounded(emulator: Emulator, tmp_path: Path) -> None:
    emulator.script({**BROKEN, "repeat": True})
    settings = Settings(provider="anthropic", base_url=emulator.anthropic_base_url)
    run = await run_agent_task(
        AgentTask("read"),
        build_env(settings, [tmp_path]),
        settings,
        provider=build_provider(settings, env={"ANTHROPIC_API_KEY": "sk-ant-x"}),
    )
    assert isinstance(run.outcome, Failed)
    assert len(emulator.requests) <= 5
