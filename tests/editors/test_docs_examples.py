"""The TOML examples in README.md and docs/configuration.md are valid settings (no drift by hand)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from server.config import Layer, build_settings

ROOT = Path(__file__).resolve().parents[2]
TOML_BLOCK = re.compile(r"```toml\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str]]:
    found = []
    for name in ("README.md", "docs/configuration.md"):
        for index, block in enumerate(TOML_BLOCK.findall((ROOT / name).read_text(encoding="utf-8"))):
            found.append((f"{name}#{index}", block))
    return found


def _settings_part(data: dict[str, Any]) -> dict[str, Any]:
    """Outrider settings in an example: the whole file, or Helix's `[language-server.outrider.config.outrider]`."""
    if "language-server" in data:
        server = data["language-server"]["outrider"]
        assert server["command"] == "outrider" and server["args"] == ["lsp"]
        assert any("outrider" in language["language-servers"] for language in data["language"])
        settings: dict[str, Any] = server.get("config", {}).get("outrider", {})
        return settings
    return data


def test_there_are_examples_to_check() -> None:
    names = [name for name, _ in _examples()]
    assert any(name.startswith("README.md") for name in names)
    assert any(name.startswith("docs/") for name in names)


@pytest.mark.parametrize(("name", "block"), _examples(), ids=[name for name, _ in _examples()])
def test_example_is_valid_settings(name: str, block: str) -> None:
    settings = _settings_part(tomllib.loads(block))
    assert settings, f"{name}: no settings in the example"
    loaded = build_settings([Layer(name, settings)])
    assert loaded.problems == [], f"{name}: {loaded.problems}"
