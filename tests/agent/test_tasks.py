"""Three realistic tasks end to end (without the editor): the emulator answers through the real
Anthropic SDK, the agent proposes edits, validation runs the fixture's tests, the plan is applied,
and the fixture's own tests pass. Each run is recorded; the committed recordings under
``sessions/`` (regenerate with ``UPDATE_SESSIONS=1``) must replay against the current code."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server.agent.apply import apply_plan_to_disk
from server.agent.outcomes import Final
from server.agent.session import AgentTask, build_env, run_agent_task
from server.config import AgentSettings, Settings
from server.models.registry import build_provider
from tests.agent.task_scripts import FIX_TEST, TASKS, TaskScript
from tests.emulator import Emulator

SESSIONS = Path(__file__).parent / "sessions"
PYTEST = [sys.executable, "run_checks.py"]


def copy_workspace(script: TaskScript, tmp_path: Path) -> Path:
    work = tmp_path / script.workspace.name
    shutil.copytree(script.workspace, work, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return work


def fixture_tests_pass(work: Path) -> bool:
    return subprocess.run(PYTEST, cwd=work, capture_output=True, check=False).returncode == 0


async def run_and_apply(
    script: TaskScript, work: Path, settings: Settings, env_vars: dict[str, str], record: Path | None
) -> Final:
    provider = build_provider(settings, env=env_vars, record_to=record)
    env = build_env(settings, [work])
    run = await run_agent_task(AgentTask(script.instruction, run_tests=True), env, settings, provider=provider)
    assert isinstance(run.outcome, Final), run.outcome
    assert run.outcome.plan.files == script.changed
    report = apply_plan_to_disk(run.outcome.plan)
    assert report.ok and sorted(report.written) == list(script.changed)
    return run.outcome


@pytest.mark.parametrize("script", TASKS, ids=lambda s: s.name)
async def test_task_through_the_emulator(script: TaskScript, emulator: Emulator, tmp_path: Path) -> None:
    work = copy_workspace(script, tmp_path)
    if script is FIX_TEST:
        assert not fixture_tests_pass(work)  # the task is real: its tests fail before the edit
    emulator.script(*script.replies)
    settings = Settings(
        provider="anthropic", base_url=emulator.anthropic_base_url, agent=AgentSettings(test_commands=[PYTEST])
    )
    record = SESSIONS / f"{script.name}.jsonl" if os.environ.get("UPDATE_SESSIONS") else tmp_path / "session.jsonl"
    record.unlink(missing_ok=True)  # the recorder appends
    outcome = await run_and_apply(script, work, settings, {"ANTHROPIC_API_KEY": "sk-ant-emulator-key"}, record)
    assert fixture_tests_pass(work)
    assert outcome.answer == script.replies[-1]["text"]
    assert len(emulator.requests) == len(script.replies)
    # what the model was shown never includes the tool's absolute paths or the key
    for request in emulator.requests:
        assert str(tmp_path) not in str(request.body)
        assert "sk-ant-emulator-key" not in str(request.body)


@pytest.mark.parametrize("script", TASKS, ids=lambda s: s.name)
async def test_recorded_session_replays(script: TaskScript, tmp_path: Path) -> None:
    work = copy_workspace(script, tmp_path)
    session = SESSIONS / f"{script.name}.jsonl"
    settings = Settings(provider="replay", replay_session=str(session), agent=AgentSettings(test_commands=[PYTEST]))
    await run_and_apply(script, work, settings, {}, None)
    assert fixture_tests_pass(work)
