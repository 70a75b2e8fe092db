"""The task line of a recorded terminal session: what was asked, so ``outrider replay`` can ask it again.

It is the first line of a session written by ``outrider refactor --record`` (the recorder appends
the provider's lines after it); replay readers skip kinds they do not know. ::

    {"kind": "task", "command": "refactor", "instruction": "...", "paths": ["a.py"], "run_tests": true}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from server.models.sessions import format as fmt


@dataclass(frozen=True)
class SessionTask:
    instruction: str
    paths: tuple[str, ...] = ()  # workspace-relative, POSIX
    run_tests: bool = False


def start_session_file(path: Path, task: SessionTask) -> None:
    """Create (or truncate) the session file with its task line; the recorder appends the rest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "kind": "task",
        "command": "refactor",
        "instruction": task.instruction,
        "paths": list(task.paths),
        "run_tests": task.run_tests,
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
            instruction = obj.get("instruction")
            paths = obj.get("paths", [])
            if not isinstance(instruction, str) or not isinstance(paths, list):
                return f"{path}:{number}: the task line has no instruction"
            return SessionTask(instruction, tuple(str(p) for p in paths), bool(obj.get("run_tests", False)))
    return f"{path}: no task line (record it with `outrider refactor --record FILE`)"
