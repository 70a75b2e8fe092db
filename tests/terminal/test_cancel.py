"""Ctrl-C mid-run: the run is cancelled, nothing is written, and the session and traces are kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.observe.store import TraceFilter, TraceStore, default_db_path
from server.terminal.outcome import ExitCode
from tests.agent.task_scripts import RENAME
from tests.emulator.fixtures import REPO_ROOT, EmulatorProcess
from tests.terminal.conftest import refactor_argv, snapshot

# The console script's entry point.
OUTRIDER = [sys.executable, "-c", "import sys; from server.cli import main; sys.exit(main())"]


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_ctrl_c_mid_run_writes_nothing_and_keeps_the_session(
    emulator_process: Callable[[list[dict[str, Any]]], EmulatorProcess],
    work: Path,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    # The edits are proposed in call 3; call 4 (the closing answer) hangs until Ctrl-C.
    emu = emulator_process([*RENAME.replies[:3], {"fault": "hang"}])
    session = tmp_path / "session.jsonl"
    before = snapshot(work)
    argv = [*OUTRIDER, *refactor_argv(emu.anthropic_base_url, work, "--apply")]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen(
        [*argv, "--record", str(session)], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert wait_for(lambda: len(emu.requests()) >= 3), "the run never reached its fourth call"
        time.sleep(0.5)  # the fourth request is in flight
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED, err.decode()[-3000:]
    assert f"outrider refactor: cancelled: nothing was written; the session so far is in {session}" in err.decode()
    assert out == b""
    assert snapshot(work) == before
    lines = [json.loads(line) for line in session.read_text(encoding="utf-8").splitlines()]
    assert [line["call"] for line in lines if line["kind"] == "request"] == [1, 2, 3, 4]
    ends = {line["call"]: line["complete"] for line in lines if line["kind"] == "end"}
    assert ends == {1: True, 2: True, 3: True, 4: False}
    with TraceStore(default_db_path(cli_env)) as store:
        rows = store.recent(TraceFilter(limit=10, feature="agent"))
    assert len(rows) >= 3
