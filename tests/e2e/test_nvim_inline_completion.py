"""A real Neovim 0.12, headless, with only our plugin: type in insert mode, get a ghost-text
suggestion from ``outrider lsp`` (answering from the wire emulator), accept it with <Tab>, check
the buffer, and that the acceptance reached the trace (``require("outrider").explain``)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.nvim_driver import Neovim, wait_for
from tests.emulator.fixtures import EmulatorProcess, emulator_process  # noqa: F401

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = REPO_ROOT / "tests" / "workspaces" / "completion_e2e"
HERE = Path(__file__).resolve().parent

# The model's answer includes more than the body (the next function): the server must stop there.
MODEL_REPLY = "total = sum(values)\n    return total / len(values)\n\n\ndef other():\n    pass\n"

SHOWN_SUGGESTION = """
(function()
  local ns = vim.api.nvim_get_namespaces()["nvim.lsp.inline_completion"]
  if not ns then return 0 end
  return #vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, {})
end)()
"""


@pytest.fixture
def neovim(tmp_path: Path, emulator_process: Callable[[list[dict[str, Any]]], EmulatorProcess]) -> Iterator[Neovim]:  # noqa: F811
    emulator = emulator_process([{"text": MODEL_REPLY, "repeat": True}])
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURE, workspace)
    (workspace / ".git").mkdir()  # a root marker, so the server gets a workspace folder
    home = tmp_path / "home"
    (home / "state").mkdir(parents=True)
    settings = {
        "provider": "openai-compatible",
        "base_url": emulator.openai_base_url,
        "model": "qwen2.5-coder:7b",
        "completion": {"debounce_ms": 0},
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith("OUTRIDER_") and "API_KEY" not in key}
    env.update(
        OUTRIDER_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "xdg-state"),
        XDG_DATA_HOME=str(home / "xdg-data"),
        OPENAI_API_KEY="sk-emulator",
        PYTHONPATH=str(REPO_ROOT),
        OUTRIDER_NVIM_PLUGIN=str(REPO_ROOT / "editors" / "nvim"),
        OUTRIDER_E2E_CMD=json.dumps([sys.executable, "-m", "server.cli", "lsp"]),
        OUTRIDER_E2E_SETTINGS=json.dumps(settings),
    )
    editor = Neovim.start(HERE / "init.lua", workspace / "stats.py", tmp_path / "nvim.sock", env, tmp_path / "nvim.log")
    try:
        yield editor
    finally:
        editor.stop()


def _verdicts(home: Path) -> list[str | None]:
    database = home / "state" / "traces.sqlite3"
    if not database.exists():
        return []
    with sqlite3.connect(database) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT verdict FROM suggestions ORDER BY created_at")]
        except sqlite3.OperationalError:  # no suggestions table yet
            return []


def test_type_receive_and_accept_a_multi_line_suggestion(neovim: Neovim, tmp_path: Path) -> None:
    wait_for(
        lambda: neovim.lua(
            '#vim.lsp.get_clients({bufnr = 0, name = "outrider"}) > 0 and '
            'vim.lsp.get_clients({bufnr = 0, name = "outrider"})[1].initialized'
        ),
        30,
        "the outrider client never attached to the buffer",
    )
    assert neovim.lua("vim.lsp.inline_completion.is_enabled()") is True

    neovim.send("4GA<CR>    ")  # end of `def mean(values):`, new line, indent: an empty body
    wait_for(lambda: neovim.lua(SHOWN_SUGGESTION), 30, "no inline suggestion was shown")
    assert neovim.lua("vim.api.nvim_get_mode().mode") == "i"

    neovim.send("<Tab>")
    expected_body = ["def mean(values):", "    total = sum(values)", "    return total / len(values)"]
    lines = wait_for(
        lambda: (
            (lines := neovim.lua("vim.api.nvim_buf_get_lines(0, 0, -1, false)"))
            and lines[3:6] == expected_body
            and lines
        ),
        15,
        "accepting did not insert the suggestion",
    )
    neovim.send("<Esc>")
    # The accept ran the item's command: the server recorded the acceptance in the trace store.
    verdicts = wait_for(
        lambda: _verdicts(tmp_path / "home").count("accepted") == 1, 15, "the acceptance was not traced"
    )
    assert verdicts
    neovim.lua('(function() require("outrider").explain(nil, function(r) vim.g.outrider_explained = r end) end)()')
    explained = wait_for(lambda: neovim.lua("vim.g.outrider_explained"), 15, "no explanation came back")
    assert explained["model"] == "qwen2.5-coder:7b" and explained["shown"] is True
    assert explained["confidence_source"] == "signals" and explained["call"]["provider"] == "openai-compatible"
    assert lines == [
        '"""Small statistics helpers (fixture for the Neovim inline-completion test)."""',
        "",
        "",
        *expected_body,
        "",
        "",
        "def spread(values):",
        "    return max(values) - min(values)",
    ]
