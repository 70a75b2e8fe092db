from pathlib import Path

import pytest

from server.models.budget import Budget, Limits
from tests.tools.conftest import make_project
from tools.sandbox import Workspace
from tools.tool import ToolEnv


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj")


@pytest.fixture
def env(project: Path) -> ToolEnv:
    return ToolEnv(Workspace([project]))


def budget(steps: int = 20, cost: float = 10.0, seconds: float = 600.0, clock: object = None) -> Budget:
    limits = Limits(
        max_steps=steps, max_input_tokens=10**9, max_output_tokens=10**9, max_cost_usd=cost, max_seconds=seconds
    )
    return Budget(limits) if clock is None else Budget(limits, clock=clock)  # type: ignore[arg-type]
