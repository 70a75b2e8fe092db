import sys
from pathlib import Path

import pytest

from server.agent.consent import TestCommandConsent
from server.agent.prompts import load_prompt
from server.agent.session import AgentTask, build_env, system_message, task_message
from server.config import AgentSettings, Settings


def test_prompts_are_versioned_files() -> None:
    system = load_prompt("system")
    assert system.name == "system" and system.version >= 1
    assert "$workspace" in system.template
    with pytest.raises(KeyError):
        system.render()


def test_system_message_has_no_machine_specific_paths(tmp_path: Path) -> None:
    settings = Settings(agent=AgentSettings(test_commands=[[sys.executable, "-m", "pytest", "-q"]]))
    text = system_message(build_env(settings, [tmp_path]))
    assert f"Workspace: {tmp_path.name}\n" in text
    assert str(tmp_path) not in text and sys.executable not in text
    assert "0: python -m pytest -q" in text  # any interpreter name is shown as `python`
    assert "none (run_tests is unavailable)" in system_message(build_env(Settings(), [tmp_path]))


def test_task_message_includes_location_and_redacted_selection() -> None:
    task = AgentTask(
        "Add docstrings", path="a.py", lines=(3, 5), selected_text='KEY = "sk-ant-api03-aaaaaaaaaaaaaaaaaaaaaaaaaaaa"'
    )
    text = task_message(task)
    assert "Task: Add docstrings" in text and "File: a.py lines 3-5" in text
    assert "aaaaaaaaaaaaaaaaaaaa" not in text


def test_confirmed_test_commands_are_used_only_without_settings(tmp_path: Path) -> None:
    consent = TestCommandConsent(tmp_path / "state" / "test_commands.json")
    assert consent.confirmed(tmp_path) == []
    consent.confirm(tmp_path, [["npm", "test"]])
    assert consent.confirmed(tmp_path) == [["npm", "test"]]
    assert build_env(Settings(), [tmp_path], confirmed_test_commands=consent.confirmed(tmp_path)).test_commands == (
        ("npm", "test"),
    )
    configured = Settings(agent=AgentSettings(test_commands=[["make", "test"]]))
    assert build_env(configured, [tmp_path], confirmed_test_commands=[["npm", "test"]]).test_commands == (
        ("make", "test"),
    )
    (tmp_path / "state" / "test_commands.json").write_text("not json")
    assert consent.confirmed(tmp_path) == []
