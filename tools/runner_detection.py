"""Which test commands a project probably uses. A suggestion only: what runs is what the user
configured (settings `agent.test_commands`) or confirmed once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def detect_test_commands(root: Path) -> list[list[str]]:
    """Suggested argv lists for the project at `root`, in a stable order."""
    found: list[list[str]] = []
    if _looks_like_pytest(root):
        python = "python" if shutil.which("python") or not shutil.which("python3") else "python3"
        found.append([python, "-m", "pytest", "-q"])
    package = root / "package.json"
    if package.is_file():
        try:
            scripts = json.loads(package.read_text(encoding="utf-8")).get("scripts", {})
        except (OSError, ValueError, AttributeError):
            scripts = {}
        if isinstance(scripts, dict) and "test" in scripts:
            found.append(["npm", "test", "--silent"])
    if (root / "go.mod").is_file():
        found.append(["go", "test", "./..."])
    if (root / "Cargo.toml").is_file():
        found.append(["cargo", "test"])
    return found


def _looks_like_pytest(root: Path) -> bool:
    if (root / "pytest.ini").is_file() or (root / "conftest.py").is_file():
        return True
    for name in ("pyproject.toml", "setup.cfg", "tox.ini"):
        path = root / name
        if path.is_file():
            try:
                if "pytest" in path.read_text(encoding="utf-8", errors="replace"):
                    return True
            except OSError:
                continue
    tests = root / "tests"
    return tests.is_dir() and any(tests.glob("test_*.py"))
