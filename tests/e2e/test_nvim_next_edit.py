"""A real Neovim 0.12, headless, with only our plugin: rename a parameter in insert mode, see the
predicted edit at the other use site (``outrider lsp`` answering ``textDocument/copilotInlineEdit``
from the wire emulator), accept it with the plugin's key, and check the buffer."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.nvim_driver import Neovim, wait_for
from tests.emulator.fixtures import EmulatorProcess, emulator_process  # noqa: F401

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = REPO_ROOT / "tests" / "workspaces" / "next_edit_e2e"
HERE = Path(__file__).resolve().parent

RENAMED = [
    '"""Geometry helpers (fixture for the Neovim next-edit test)."""',
    "",
    "",
    "def area(w, height):",
    "    result = w * height",
    "    return result",
]
# What a good model answers, whatever the state of the rename: the region with both uses renamed.
MODEL_REPLY = "<|editable_region_start|>\n" + "\n".join(RENAMED) + "\n<|editable_region_end|>\n"

SHOWN = """
(function()
  local edit = require("outrider.next_edit").shown[vim.api.nvim_get_current_buf()]
  if not edit then return vim.NIL end
  local marks = vim.api.nvim_buf_get_extmarks(0, require("outrider.next_edit").ns, 0, -1, {})
  return { line = edit.range.start.line, text = edit.text, marks = #marks }
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
        "model": "gpt-4.1-mini",
        "completion": {"enabled": False},  # only next edits: no ghost text competes for <Tab>
        "next_edit": {"debounce_ms": 0},
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
    file = workspace / "geometry.py"
    editor = Neovim.start(HERE / "init.lua", file, tmp_path / "nvim.sock", env, tmp_path / "nvim.log")
    try:
        yield editor
    finally:
        editor.stop()


def test_rename_see_the_next_edit_elsewhere_and_accept_it(neovim: Neovim) -> None:
    wait_for(
        lambda: neovim.lua(
            '#vim.lsp.get_clients({bufnr = 0, name = "outrider"}) > 0 and '
            'vim.lsp.get_clients({bufnr = 0, name = "outrider"})[1].initialized'
        ),
        30,
        "the outrider client never attached to the buffer",
    )
    neovim.send("4G0fwciww")  # `def area(width, height):` -> `def area(w, height):`, still in insert mode
    shown = wait_for(
        lambda: (value := neovim.lua(SHOWN)) and value["line"] == 4 and value,
        30,
        "no next edit was shown at the other use site",
    )
    assert shown == {"line": 4, "text": "w", "marks": 2}  # the old name highlighted, the new one after it
    assert neovim.lua("vim.api.nvim_get_mode().mode") == "i"
    assert neovim.lua("vim.api.nvim_win_get_cursor(0)[1]") == 4  # the cursor is still on the rename

    neovim.send("<Tab>")
    lines = wait_for(
        lambda: (lines := neovim.lua("vim.api.nvim_buf_get_lines(0, 0, -1, false)")) == RENAMED and lines,
        15,
        "accepting did not apply the next edit",
    )
    assert lines == RENAMED
    assert neovim.lua("vim.api.nvim_win_get_cursor(0)[1]") == 5  # jumped to the edit
    assert neovim.lua(SHOWN) is None  # dismissed once applied
