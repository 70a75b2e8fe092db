"""The task line of a recorded terminal session: what was asked, so ``outrider replay`` can ask it again.

It is the first line of a session written by ``outrider refactor --record`` (the recorder appends
the provider's lines after it); replay readers skip kinds they do not know. ::

    {"kind": "task", "command": "refactor", "instruction": "...", "paths": ["a.py"], "run_tests": true,
     "test_commands": [["python", "-m", "unittest"]]}

``test_commands`` are the commands the run was recorded with, as the model was shown them
(:func:`tools.run_tests.display_command`), because the prompts a replay must match name them.
:func:`replayable_test_commands` turns them back into commands, but only the Python test runners
of :data:`REPLAYABLE_RUNNERS`: a session file is not the user's configuration, so it never starts
any other program.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from server.models.sessions import format as fmt
from tools.run_tests import display_command

REPLAYABLE_RUNNERS = (("python", "-m", "unittest"), ("python", "-m", "pytest"))
"""Recorded test commands a replay runs (with the current Python interpreter); any other is refused."""


@dataclass(frozen=True)
class SessionTask:
    instruction: str
    paths: tuple[str, ...] = ()  # workspace-relative, POSIX
    run_tests: bool = False
    test_commands: tuple[tuple[str, ...], ...] = ()  # as shown to the model (program names only)


def shown_test_commands(commands: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """Test commands as the model is shown them, for the task line."""
    return tuple(tuple(display_command(c).split(" ", 1)[:1]) + tuple(c[1:]) for c in commands if c)


def replayable_test_commands(recorded: Sequence[Sequence[str]]) -> tuple[list[list[str]], list[str]]:
    """(commands to run, refused ones as text): recorded Python test runners run with this interpreter."""
    commands: list[list[str]] = []
    refused: list[str] = []
    for command in recorded:
        if tuple(command[:3]) in REPLAYABLE_RUNNERS:
            commands.append([sys.executable, *command[1:]])
        else:
            refused.append(" ".join(command))
    return commands, refused


def start_session_file(path: Path, task: SessionTask) -> None:
    """Create (or truncate) the session file with its task line; the recorder appends the rest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "kind": "task",
        "command": "refactor",
        "instruction": task.instruction,
        "paths": list(task.paths),
        "run_tests": task.run_tests,
        "test_commands": [list(c) for c in task.test_commands],
    }
    path.write_text(fmt.dumps(line) + "\n", encoding="utf-8")


def read_session_task(path: Path) -> SessionTask | str:
    """The task of a recorded session, or why there is none."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            return f"{path}:{number}: not a JSON line"
        if isinstance(obj, dict) and obj.get("kind") == "task":
            return _task_from_line(obj, f"{path}:{number}")
    return f"{path}: no task line (record it with `outrider refactor --record FILE`)"


def _task_from_line(obj: dict[str, object], where: str) -> SessionTask | str:
    instruction, paths, commands = obj.get("instruction"), obj.get("paths", []), obj.get("test_commands", [])
    if not isinstance(instruction, str) or not isinstance(paths, list):
        return f"{where}: the task line has no instruction"
    if not isinstance(commands, list) or not all(
        isinstance(c, list) and c and all(isinstance(a, str) for a in c) for c in commands
    ):
        return f"{where}: test_commands must be a list of commands (lists of strings)"
    tests = tuple(tuple(c) for c in commands)
    return SessionTask(instruction, tuple(str(p) for p in paths), bool(obj.get("run_tests", False)), tests)
