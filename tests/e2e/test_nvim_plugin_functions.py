"""The Neovim plugin's pure functions, evaluated by a headless Neovim (``nvim -l``): LSP ranges of a
selection in each position encoding, instruction checks, the cost text and the doctor command."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.nvim_driver import find_nvim

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parent / "plugin_functions.lua"


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    command = [find_nvim(), "--clean", "--headless", "-l", str(SCRIPT), str(REPO_ROOT / "editors" / "nvim")]
    done = subprocess.run(command, capture_output=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    decoded: dict[str, Any] = json.loads(done.stdout)
    return decoded


def lsp_range(start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    return {"start": {"line": start[0], "character": start[1]}, "end": {"line": end[0], "character": end[1]}}


# The buffer is "abc", "é😀x", "z": "é" is 2 bytes / 1 UTF-16 unit, "😀" 4 bytes / 2 units / 1 code point.
def test_whole_lines_end_at_the_end_of_the_last_line(results: dict[str, Any]) -> None:
    assert results["lines"] == {
        "utf-8": lsp_range((0, 0), (1, 7)),
        "utf-16": lsp_range((0, 0), (1, 4)),
        "utf-32": lsp_range((0, 0), (1, 3)),
    }


def test_an_inclusive_selection_ends_after_its_last_character(results: dict[str, Any]) -> None:
    assert results["emoji_inclusive"] == {
        "utf-8": lsp_range((1, 0), (1, 6)),
        "utf-16": lsp_range((1, 0), (1, 3)),
        "utf-32": lsp_range((1, 0), (1, 2)),
    }


def test_an_exclusive_selection_ends_at_the_cursor(results: dict[str, Any]) -> None:
    assert results["emoji_exclusive"] == {
        "utf-8": lsp_range((1, 2), (1, 6)),
        "utf-16": lsp_range((1, 1), (1, 3)),
        "utf-32": lsp_range((1, 1), (1, 2)),
    }


def test_instructions_are_trimmed_and_checked(results: dict[str, Any]) -> None:
    checked = results["instructions"]
    assert checked["trimmed"] == {"cleaned": "Add type hints", "problem": None}
    assert checked["blank"] == {"cleaned": None, "problem": "Outrider: no instruction given; nothing was run"}
    assert checked["too_long"]["cleaned"] is None and "longer than 4000 characters" in checked["too_long"]["problem"]
    assert checked["longest"] == {"cleaned": "é" * 20, "problem": None}  # 4,000 characters (8,000 bytes) pass


def test_cost_lines_sort_features_and_keep_small_amounts_visible(results: dict[str, Any]) -> None:
    assert results["cost"] == [
        "Outrider spend: today $0.15, this month $3.50",
        "  agent today: $0.15",
        "  completion today: $0.0021",
        "  provider: openai (gpt-4.1)",
    ]
    assert results["cost_empty"] == ["Outrider spend: today $0.00, this month $0.00"]


def test_doctor_command_follows_the_server_command_and_settings(results: dict[str, Any]) -> None:
    assert results["doctor"] == [
        "/opt/outrider/bin/outrider",
        "doctor",
        "--json",
        "--provider",
        "openai-compatible",
        "--base-url",
        "http://localhost:11434/v1",
        "--workspace",
        "/work/project",
    ]
    assert results["doctor_given"] == ["od", "--json", "--workspace", "/w"]


def test_a_server_that_does_not_start_is_reported_with_its_reason(results: dict[str, Any]) -> None:
    assert results["handshake_failed"] == [False, "exit code 3: no such module"]
    started, reason = results["handshake_missing"]
    assert started is False and "ENOENT" in reason and "/nonexistent/outrider" in reason
