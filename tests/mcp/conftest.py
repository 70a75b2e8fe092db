from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from server.config import McpSettings
from server.mcp.approvals import ApprovalRequest, ApprovalStore, Decision
from tools.sandbox import Workspace
from tools.tool import ToolEnv

FIXTURE_SERVER = Path(__file__).with_name("fixture_server.py")
TIME_SERVER = str(Path(sys.executable).with_name("mcp-server-time"))


def fixture_server(*args: str) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(FIXTURE_SERVER), *args]}


def mcp_settings(servers: dict[str, dict[str, Any]], **limits: float) -> McpSettings:
    return McpSettings.model_validate({"servers": servers, **limits})


class ScriptedGate:
    """Answers every approval question with `decision` and records the questions."""

    def __init__(self, decision: Decision = "once") -> None:
        self.decision: Decision = decision
        self.asked: list[ApprovalRequest] = []

    async def ask(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        return self.decision


@pytest.fixture
def store(tmp_path: Path) -> ApprovalStore:
    return ApprovalStore(tmp_path / "approvals.json")


@pytest.fixture
def env(tmp_path: Path) -> ToolEnv:
    (tmp_path / "ws").mkdir()
    return ToolEnv(Workspace([tmp_path / "ws"]))


from tests.acp.conftest import agent_env, work  # noqa: E402, F401
from tests.emulator.fixtures import emulator  # noqa: E402, F401
from tests.terminal.conftest import cli_env  # noqa: E402, F401
