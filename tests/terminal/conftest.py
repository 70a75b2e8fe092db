"""Fixtures for the terminal commands: a copy of the rename fixture project, an isolated
environment (no user config, state under tmp), and the emulator speaking through the real SDK."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agent.task_scripts import RENAME
from tests.emulator import Emulator

KEY = "sk-ant-terminal-test-key"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    target = tmp_path / RENAME.workspace.name
    shutil.copytree(RENAME.workspace, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return target


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The process environment for an `outrider` run: a dummy key, state and config under tmp."""
    for var in ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OUTRIDER_PROVIDER", "OUTRIDER_MODEL", "OUTRIDER_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    values = {
        "ANTHROPIC_API_KEY": KEY,
        "OUTRIDER_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    for var, value in values.items():
        monkeypatch.setenv(var, value)
    yield values


def write_user_config(env: dict[str, str], text: str) -> None:
    path = Path(env["XDG_CONFIG_HOME"]) / "outrider" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def refactor_argv(base_url: str, work: Path, *extra: str, instruction: str = RENAME.instruction) -> list[str]:
    return [
        "refactor",
        instruction,
        "--workspace",
        str(work),
        "--provider",
        "anthropic",
        "--base-url",
        base_url,
        *extra,
    ]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (no caches), to assert nothing changed."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    }


def script_rename(emu: Emulator, **last_reply: Any) -> None:
    replies = [dict(r) for r in RENAME.replies]
    replies[-1].update(last_reply)
    emu.script(*replies)
