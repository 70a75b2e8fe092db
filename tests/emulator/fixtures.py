"""Pytest fixtures for the emulator. Import them into a conftest.py::

from tests.emulator.fixtures import emulator, emulator_env, emulator_process  # noqa: F401
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.server import Emulator

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A started in-process emulator; nothing is scripted (unscripted requests get a 400)."""
    with Emulator() as emu:
        yield emu


@pytest.fixture
def emulator_env(emulator: Emulator) -> dict[str, str]:
    """Environment variables pointing both SDKs at the emulator, with dummy keys."""
    return {
        "ANTHROPIC_BASE_URL": emulator.anthropic_base_url,
        "ANTHROPIC_API_KEY": "sk-ant-emulator",
        "OPENAI_BASE_URL": emulator.openai_base_url,
        "OPENAI_API_KEY": "sk-emulator",
    }


@dataclass
class EmulatorProcess:
    """The emulator in its own process (``python -m tests.emulator``)."""

    process: subprocess.Popen[str]
    port: int
    log_path: Path

    @property
    def anthropic_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def requests(self) -> list[dict[str, Any]]:
        """Finished requests so far, from the ``--log`` file."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_emulator_process(script: list[dict[str, Any]], workdir: Path) -> EmulatorProcess:
    """Start ``python -m tests.emulator`` with `script`; returns once its port is known."""
    script_path = workdir / "emulator_script.json"
    script_path.write_text(json.dumps(script), encoding="utf-8")
    log_path = workdir / "emulator_requests.jsonl"
    cmd = [sys.executable, "-m", "tests.emulator", "--script", str(script_path), "--log", str(log_path)]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    process = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.isdigit():
        process.kill()
        raise RuntimeError(f"emulator process did not print its port (got {line!r})")
    return EmulatorProcess(process, int(line), log_path)


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[Callable[[list[dict[str, Any]]], EmulatorProcess]]:
    """A factory: ``emulator_process([{"text": "hi"}])`` starts one; all are stopped at teardown."""
    started: list[EmulatorProcess] = []

    def _start(script: list[dict[str, Any]]) -> EmulatorProcess:
        proc = start_emulator_process(script, tmp_path)
        started.append(proc)
        return proc

    yield _start
    for proc in started:
        proc.stop()
