"""`outrider refactor --record FILE` then `outrider replay FILE`: the same path, the same result."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from server.cli import main
from server.terminal.outcome import ExitCode
from server.terminal.session_task import (
    SessionTask,
    read_session_task,
    replayable_test_commands,
    start_session_file,
)
from tests.agent.task_scripts import RENAME
from tests.emulator import Emulator
from tests.terminal.conftest import KEY, refactor_argv, script_rename, snapshot


def record(emulator: Emulator, work: Path, session: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    script_rename(emulator)
    assert main(refactor_argv(emulator.anthropic_base_url, work, "--json", "--record", str(session))) == 0
    recorded: dict[str, object] = json.loads(capsys.readouterr().out)
    return recorded


def test_replay_gives_the_recorded_result_without_a_provider(
    emulator: Emulator, work: Path, cli_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = tmp_path / "rename.jsonl"
    recorded = record(emulator, work, session, capsys)
    lines = [json.loads(line) for line in session.read_text().splitlines()]
    assert lines[0]["kind"] == "task" and lines[0]["instruction"] == RENAME.instruction
    assert KEY not in session.read_text()
    before = snapshot(work)
    assert main(["replay", str(session), "--workspace", str(work), "--json"]) == 0
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["diff"] == recorded["diff"] and replayed["files"] == list(RENAME.changed)
    assert replayed["status"] == "diff" and snapshot(work) == before
    assert len(emulator.requests) == len(RENAME.replies)  # the replay asked the emulator nothing
    assert main(["replay", str(session), "--workspace", str(work), "--apply"]) == 0
    assert "def compute_total(" in (work / "shop" / "pricing.py").read_text()


def test_replay_on_a_different_project_fails_loudly(
    emulator: Emulator, work: Path, cli_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = tmp_path / "rename.jsonl"
    record(emulator, work, session, capsys)
    (work / "shop" / "pricing.py").write_text("def calc_total(prices):\n    return sum(prices)\n")
    code = main(["replay", str(session), "--workspace", str(work), "--apply"])
    err = capsys.readouterr().err
    assert code == ExitCode.PROVIDER_ERROR
    assert "replay_mismatch" in err and "differs from the recording" in err
    assert "calc_total" in (work / "shop" / "pricing.py").read_text()


def test_replay_needs_a_task_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session = tmp_path / "s.jsonl"
    session.write_text('{"kind": "session", "version": 1}\n')
    assert main(["replay", str(session)]) == 2
    assert "no task line" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 2


def test_session_task_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "s.jsonl"
    path.write_text("stale\n") if path.parent.exists() else None
    task = SessionTask("Do it", ("a.py", "b/c.py"), run_tests=True, test_commands=(("python", "-m", "unittest"),))
    start_session_file(path, task)
    assert read_session_task(path) == task
    path.write_text("not json\n")
    assert read_session_task(path) == f"{path}:1: not a JSON line"


def test_only_python_test_runners_are_replayed() -> None:
    commands, refused = replayable_test_commands([["python", "-m", "unittest"], ["sh", "-c", "rm -rf ~"]])
    assert commands == [[sys.executable, "-m", "unittest"]]
    assert refused == ["sh -c rm -rf ~"]
    assert replayable_test_commands([["python", "-c", "print(1)"]]) == ([], ["python -c print(1)"])


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_shipped_session_replays_with_the_readme_command(
    cli_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README: `outrider replay examples/sessions/add_currency.jsonl --workspace examples/invoicing`;
    the session carries its test commands, so no user configuration is needed."""
    example = tmp_path / "invoicing"
    shutil.copytree(EXAMPLES / "invoicing", example, ignore=shutil.ignore_patterns("__pycache__"))
    session = EXAMPLES / "sessions" / "add_currency.jsonl"
    assert read_session_task(session) == SessionTask(
        read_session_task(session).instruction,  # type: ignore[union-attr]
        run_tests=True,
        test_commands=(("python", "-m", "unittest"),),
    )
    before = snapshot(example)
    assert main(["replay", str(session), "--workspace", str(example), "--json"]) == 0, capsys.readouterr().err
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["status"] == "diff" and "invoicing/money.py" in replayed["files"]
    assert snapshot(example) == before
