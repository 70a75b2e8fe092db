"""Model-written code run by `run_tests`: inside the OS sandbox (bubblewrap) it cannot write outside
the scratch copy, reach the network or see the server's environment; without a sandbox it runs only
after the user said yes."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tools.os_sandbox import sandbox_status
from tools.registry import all_tools
from tools.sandbox import Workspace, WorkspacePath
from tools.tool import ToolEnv

EVIL = """
import os, socket, sys
target = sys.argv[1]
try:
    open(target, "w").write("pwned")
    print("WROTE OUTSIDE")
except OSError as exc:
    print("write refused:", exc.errno)
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    print("NETWORK OPEN")
except OSError:
    print("no network")
print("DB_PASSWORD" in os.environ)
"""


def _env(
    root: Path, outside: Path, *, sandbox: bool = True, confirm: Callable[[str], Awaitable[bool]] | None = None
) -> ToolEnv:
    command = (sys.executable, "evil_test.py", str(outside))
    env = ToolEnv(Workspace([root]), test_commands=(command,), sandbox=sandbox, confirm_unsandboxed=confirm)
    target = env.workspace.resolve("evil_test.py")
    assert isinstance(target, WorkspacePath)
    env.proposals.propose(target, None, None, EVIL)
    return env


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "README.md").write_text("# ws\n")
    monkeypatch.setenv("DB_PASSWORD", "SandboxEnvSecret1")
    return root, tmp_path / "outside" / "pwned.txt"


@pytest.mark.skipif(sys.platform != "linux", reason="bubblewrap is Linux-only")
async def test_proposed_code_runs_in_the_sandbox(layout: tuple[Path, Path]) -> None:
    assert sandbox_status().active, f"{sandbox_status().detail} (make install-test installs bubblewrap)"
    root, outside = layout
    outside.parent.mkdir()
    result = await all_tools()["run_tests"].call({}, _env(root, outside))
    assert "write refused" in result.text and "no network" in result.text, result.text
    assert "WROTE OUTSIDE" not in result.text and not outside.exists()
    assert "SandboxEnvSecret1" not in result.text and "False" in result.text


async def test_without_a_sandbox_proposed_code_is_refused_unless_the_user_agrees(layout: tuple[Path, Path]) -> None:
    root, outside = layout
    outside.parent.mkdir()
    refused = await all_tools()["run_tests"].call({}, _env(root, outside, sandbox=False))
    assert refused.is_error and "not run" in refused.text and not outside.exists()
    asked: list[str] = []

    async def yes(question: str) -> bool:
        asked.append(question)
        return True

    allowed = await all_tools()["run_tests"].call({}, _env(root, outside, sandbox=False, confirm=yes))
    assert asked and "without a sandbox" in asked[0]
    assert "exit code 0" in allowed.text and "False" in allowed.text  # ran, with the allow-list environment
