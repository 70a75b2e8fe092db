"""Fixtures shared by every test directory.

- ``emulator`` (an in-process wire emulator), ``emulator_env`` and ``emulator_process`` (the
  emulator in its own process): see :mod:`tests.emulator.fixtures`;
- ``project``: a small git project (:func:`make_project`) with an ignored folder and a secret file;
  ``env``: a :class:`tools.tool.ToolEnv` on it;
- ``OUTRIDER_SKIP_REAL=1`` leaves out the tests of real programs (markers vscode, llama, gateway).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.real_setup import skip_requested
from tests.emulator.fixtures import emulator, emulator_env, emulator_process  # noqa: F401
from tools.sandbox import Workspace
from tools.tool import ToolEnv


def make_project(root: Path) -> Path:
    """A small git project with an ignored folder (build/) and a secret file (.env)."""
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def greet(name):\n    return 'hi ' + name\n\n\nprint(greet('x'))\n")
    (root / "src" / "util.py").write_text("from src.app import greet\n\nVALUE = greet('y')\n")
    (root / "README.md").write_text("# demo\n")
    (root / ".gitignore").write_text("build/\n")
    (root / "build").mkdir()
    (root / "build" / "out.txt").write_text("generated\n")
    (root / ".env").write_text("ANTHROPIC_API_KEY=sk-ant-api03-secretsecretsecretsecret\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj")


@pytest.fixture
def env(project: Path) -> ToolEnv:
    return ToolEnv(Workspace([project]))


# ---- real programs (tests/e2e/real_setup.py) --------------------------------------------------------
# ``OUTRIDER_SKIP_REAL=1`` deselects the tests that drive real programs (VS Code, a llama.cpp server,
# a LiteLLM proxy). They are on by default: ``make test`` and CI run them, last.

REAL_MARKERS = ("vscode", "llama", "gateway")


def _is_real(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in REAL_MARKERS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Real-program tests run last (their set-up, started in the background by ``make test``, has
    the rest of the suite to finish), or not at all with ``OUTRIDER_SKIP_REAL=1``."""
    if not skip_requested():
        items.sort(key=_is_real)  # stable: the order within each group is kept
        return
    kept: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        (left_out if _is_real(item) else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
