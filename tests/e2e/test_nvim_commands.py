"""A real Neovim 0.12, headless, with only our plugin, against ``outrider lsp`` and the wire emulator:
``:OutriderRun`` on a selection applies the agent's edit (one ``u`` undoes it), ``:OutriderCancel``
stops a run whose model call hangs, ``:OutriderCost`` shows the spend, progress arrives through
``LspProgress``, and the "Edit selection with instruction..." code action prompts and runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.models.prices import PriceTable
from server.models.types import Usage
from tests.e2e.nvim_driver import Neovim, wait_for
from tests.emulator.fixtures import EmulatorProcess, emulator_process  # noqa: F401

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = REPO_ROOT / "tests" / "workspaces" / "nvim_commands"
HERE = Path(__file__).resolve().parent
ORIGINAL = (FIXTURE / "shapes.py").read_text(encoding="utf-8").splitlines()
MODEL = "gpt-4.1"
INPUT_TOKENS, OUTPUT_TOKENS = 8_000, 2_000  # plausible for the request (usage_audit replaces far-off reports)
USAGE = {"input_tokens": INPUT_TOKENS, "output_tokens": OUTPUT_TOKENS}

TYPED = ORIGINAL.copy()
TYPED[3] = "def area(width: float, height: float) -> float:"
TYPED[7] = "def label(width: float, height: float) -> str:"


def propose(search: str, replace: str) -> dict[str, Any]:
    return {
        "name": "propose_edit",
        "arguments": {"path": "shapes.py", "edits": [{"search": search, "replace": replace}]},
    }


# Two edits far apart in one file: applied as one change, undone as one step.
TYPE_HINTS: list[dict[str, Any]] = [
    {"tool_calls": [propose(ORIGINAL[3], TYPED[3]), propose(ORIGINAL[7], TYPED[7])], "usage": USAGE},
    {"text": "Added type hints to area and label.", "usage": USAGE},
]

RECORD_PROGRESS = """
(function()
  _G.progress_seen = {}
  vim.api.nvim_create_autocmd("LspProgress", { callback = function(ev)
    local value = ev.data.params.value
    local token = tostring(ev.data.params.token)
    table.insert(_G.progress_seen, { token = token, kind = value.kind, text = value.message or value.title or "" })
  end })
  return true
end)()
"""


@dataclass
class Session:
    editor: Neovim
    emulator: EmulatorProcess

    def lines(self) -> list[str]:
        return list(self.editor.lua("vim.api.nvim_buf_get_lines(0, 0, -1, false)"))

    def messages(self) -> str:
        return str(self.editor.lua('vim.fn.execute("messages")'))

    def progress(self, title: str) -> list[dict[str, str]]:
        """The `LspProgress` events Neovim delivered for the task whose title is `title`."""
        seen: list[dict[str, str]] = list(self.editor.lua("_G.progress_seen") or [])
        tokens = {p["token"] for p in seen if p["kind"] == "begin" and p["text"] == title}
        return [p for p in seen if p["token"] in tokens]

    def progress_end(self, title: str) -> str:
        ends = wait_for(lambda: [p for p in self.progress(title) if p["kind"] == "end"], 15, "progress never ended")
        assert len(ends) == 1
        return ends[0]["text"]

    def answer_prompt(self, text: str) -> None:
        """Wait for `vim.ui.input`'s prompt (command-line mode), then type `text` and Enter."""
        wait_for(lambda: self.editor.lua("vim.api.nvim_get_mode().mode") == "c", 15, "no instruction prompt")
        self.editor.send(f"{text}<CR>")

    def model_requests(self) -> list[dict[str, Any]]:
        """Every request the emulator has received so far, finished or not."""
        with urllib.request.urlopen(f"{self.emulator.anthropic_base_url}/_emulator/requests", timeout=5) as response:
            requests: list[dict[str, Any]] = json.load(response)
        return [r for r in requests if r["protocol"] == "openai"]


@pytest.fixture
def start_session(
    tmp_path: Path,
    emulator_process: Callable[[list[dict[str, Any]]], EmulatorProcess],  # noqa: F811
) -> Iterator[Callable[[list[dict[str, Any]]], Session]]:
    editors: list[Neovim] = []

    def start(script: list[dict[str, Any]]) -> Session:
        emulator = emulator_process(script)
        workspace = tmp_path / "workspace"
        shutil.copytree(FIXTURE, workspace)
        subprocess.run(["git", "init", "-q", str(workspace)], check=True)
        home = tmp_path / "home"
        (home / "state").mkdir(parents=True)
        settings = {
            "provider": "openai",
            "base_url": emulator.openai_base_url,
            "model": MODEL,
            "completion": {"enabled": False},
            "next_edit": {"enabled": False},  # only the agent calls the model here
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("OUTRIDER_") and "API_KEY" not in k}
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
        editor = Neovim.start(
            HERE / "init.lua", workspace / "shapes.py", tmp_path / "nvim.sock", env, tmp_path / "nvim.log"
        )
        editors.append(editor)
        wait_for(
            lambda: editor.lua('(vim.lsp.get_clients({bufnr = 0, name = "outrider"})[1] or {}).initialized'),
            30,
            "the outrider client never attached to the buffer",
        )
        assert editor.lua(RECORD_PROGRESS) is True
        return Session(editor, emulator)

    yield start
    for editor in editors:
        editor.stop()


def user_message(request: dict[str, Any]) -> str:
    return "\n".join(str(m["content"]) for m in request["body"]["messages"] if m["role"] == "user")


def test_run_on_a_selection_applies_one_undoable_edit_and_shows_cost(
    start_session: Callable[[list[dict[str, Any]]], Session],
) -> None:
    session = start_session(TYPE_HINTS)
    neovim = session.editor
    # A characterwise selection from `width` on line 8 through the emoji on line 9 (2 UTF-16 units).
    emoji_col = ORIGINAL[8].encode().index("📐".encode()) + 1
    neovim.send(f"<Cmd>call cursor(8, 11)<CR>v<Cmd>call cursor(9, {emoji_col})<CR>:OutriderRun<CR>")
    session.answer_prompt("Add type hints")

    wait_for(lambda: session.lines() == TYPED, 30, "the agent's edit was not applied")
    [first, *_] = session.model_requests()
    selected = ORIGINAL[7][len("def label(") :] + "\n" + ORIGINAL[8][: ORIGINAL[8].index("📐") + 1]
    assert f"File: shapes.py lines 8-9\nSelected code:\n```\n{selected}\n```" in user_message(first)
    assert "Add type hints" in user_message(first)

    end = session.progress_end("Outrider: Add type hints")
    assert end.startswith("Outrider: done. Proposed edits to shapes.py.") and end.endswith("Applied."), end
    kinds = [p["kind"] for p in session.progress("Outrider: Add type hints")]
    assert kinds[0] == "begin" and "report" in kinds and kinds[-1] == "end"
    assert neovim.lua('require("outrider").status()') == ""
    assert end.removeprefix("Outrider: ") in session.messages()  # kept in the message history

    neovim.send("u")
    wait_for(lambda: session.lines() == ORIGINAL, 10, "one undo did not restore the pre-edit text")
    neovim.send("<C-r>")
    wait_for(lambda: session.lines() == TYPED, 10, "one redo did not bring the whole edit back")

    calls = len(session.model_requests())
    per_call = PriceTable().cost(Usage(input_tokens=INPUT_TOKENS, output_tokens=OUTPUT_TOKENS), MODEL)
    neovim.send(":OutriderCost<CR>")
    shown = wait_for(
        lambda: re.search(r"Outrider spend: today (\$[\d.]+), this month (\$[\d.]+)", session.messages()),
        15,
        "no cost shown",
    )
    expected = f"${calls * per_call:.2f}"
    assert shown.groups() == (expected, expected)
    assert f"agent today: {expected}" in session.messages()
    assert f"provider: openai ({MODEL})" in session.messages()


def test_cancel_stops_a_run_whose_model_call_hangs(start_session: Callable[[list[dict[str, Any]]], Session]) -> None:
    session = start_session([{"fault": "hang"}])
    neovim = session.editor
    neovim.send(":OutriderRun Keep going<CR>")
    wait_for(
        lambda: [r for r in session.model_requests() if r["outcome"] == "hung"], 30, "the model call never started"
    )
    status = wait_for(
        lambda: (status := neovim.lua('require("outrider").status()')) and "asking the model" in status and status,
        15,
        "the status string never showed the running step",
    )
    assert re.fullmatch(r"Outrider \d+%: step 1/\d+: asking the model \(.*\)", status), status

    neovim.send(":OutriderCancel<CR>")
    assert session.progress_end("Outrider: Keep going") == "Cancelled"
    wait_for(lambda: neovim.lua('require("outrider").status()') == "", 5, "the status string still shows the task")
    wait_for(lambda: session.emulator.requests(), 15, "the hanging model call was never abandoned")
    messages = session.messages()
    assert "Outrider: cancelling agent-1" in messages and "Cancelled" in messages
    assert session.lines() == ORIGINAL
    assert len(session.model_requests()) == 1

    neovim.send(":OutriderCancel<CR>")
    wait_for(lambda: "no running task to cancel" in session.messages(), 10, "a second cancel said nothing")


def test_edit_selection_code_action_prompts_and_runs(start_session: Callable[[list[dict[str, Any]]], Session]) -> None:
    session = start_session(TYPE_HINTS)
    neovim = session.editor
    neovim.send(
        '<Cmd>lua vim.lsp.buf.code_action({ apply = true, range = { start = { 4, 0 }, ["end"] = { 5, 24 } },'
        ' filter = function(a) return a.title:find("Edit selection", 1, true) ~= nil end })<CR>'
    )
    session.answer_prompt("Add type hints")
    wait_for(lambda: session.lines() == TYPED, 30, "the agent's edit was not applied")
    [first, *_] = session.model_requests()
    assert f"lines 4-5\nSelected code:\n```\n{ORIGINAL[3]}\n{ORIGINAL[4]}\n```" in user_message(first)


def test_checkhealth_finds_the_server_and_the_provider(
    start_session: Callable[[list[dict[str, Any]]], Session],
) -> None:
    session = start_session([])
    neovim = session.editor
    neovim.send(":checkhealth outrider<CR>")
    report = wait_for(
        lambda: "\n".join(session.lines()) if any("provider 1" in line for line in session.lines()) else None,
        45,
        "checkhealth did not report the provider",
    )
    assert "OK executable: " in report
    assert re.search(r"OK `.*server\.cli lsp` starts and answers initialize: outrider \d", report), report
    assert f"OK provider 1: openai ({MODEL}): reachable at {session.emulator.openai_base_url}" in report
    assert "ERROR" not in report and "WARNING" not in report
