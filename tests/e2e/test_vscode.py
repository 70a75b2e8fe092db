"""Real VS Code (code-server 4.139, VS Code 1.139) in Debian's Chromium, with the extension built by
``make vscode``, against ``outrider lsp`` and the wire emulator:

1. type in a function body, see the ghost text, accept it with Tab, save, check the file;
2. the status bar shows the spend after that completion (the same figure as the trace store);
3. ``Outrider: Run agent on selection...`` with an instruction: progress in the status bar, the
   edit lands, and one undo takes it back.

Setup (code-server, Node 24, chromium) comes from :mod:`tests.e2e.real_setup`; a failed setup
fails the test with its log. ``OUTRIDER_SKIP_REAL=1`` deselects these tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import real_setup
from tests.emulator.fixtures import EmulatorProcess, emulator_process  # noqa: F401

pytestmark = [pytest.mark.vscode, pytest.mark.timeout(1800)]  # the first run waits for code-server

REPO_ROOT = Path(__file__).resolve().parents[2]
VSIX = REPO_ROOT / "editors" / "vscode" / "outrider.vsix"
STATS = (REPO_ROOT / "tests" / "workspaces" / "completion_e2e" / "stats.py").read_text(encoding="utf-8")
SHAPES = (REPO_ROOT / "tests" / "workspaces" / "nvim_commands" / "shapes.py").read_text(encoding="utf-8")
FIM_MODEL = "qwen2.5-coder:7b"
# The model's answer includes more than the body (the next function): the server must stop there.
FIM_REPLY = "total = sum(values)\n    return total / len(values)\n\n\ndef other():\n    pass\n"
PRICE = {"input": 50.0, "output": 100.0}  # USD per million: 1000 in + 100 out = $0.06 a call
USAGE = {"input_tokens": 1000, "output_tokens": 100}

RUNNING_TASKS = re.compile(r"·\s*\d+\s*$")
ORIGINAL = SHAPES.splitlines()
TYPED = ORIGINAL.copy()
TYPED[3] = "def area(width: float, height: float) -> float:"
TYPED[7] = "def label(width: float, height: float) -> str:"


def _propose(search: str, replace: str) -> dict[str, Any]:
    return {
        "name": "propose_edit",
        "arguments": {"path": "shapes.py", "edits": [{"search": search, "replace": replace}]},
    }


SCRIPT: list[dict[str, Any]] = [
    {"text": FIM_REPLY, "protocol": "openai_completions", "usage": USAGE, "repeat": True},
    # The agent: a slow first turn (progress stays up long enough to be seen), then two edits, then done.
    {
        "protocol": "openai",
        "first_byte_delay_s": 4.0,
        "tool_calls": [_propose(ORIGINAL[3], TYPED[3]), _propose(ORIGINAL[7], TYPED[7])],
        "usage": USAGE,
    },
    {"protocol": "openai", "text": "Added type hints to area and label.", "usage": USAGE},
]


@dataclass
class Session:
    editor: Any  # tests.e2e.vscode_driver.VsCode (imported lazily: Playwright is a test-only package)
    workspace: Path
    state: Path  # OUTRIDER_HOME of the server
    emulator: EmulatorProcess


@pytest.fixture(scope="module")
def vscode_tools() -> real_setup.VsCodeTools:
    try:
        return real_setup.vscode()
    except real_setup.SetupError as exc:
        pytest.fail(f"VS Code e2e setup failed: {exc}", pytrace=False)


@pytest.fixture(scope="module")
def vsix() -> Path:
    if not VSIX.is_file():
        build = subprocess.run(
            ["bash", str(REPO_ROOT / "editors" / "vscode" / "build.sh")], capture_output=True, text=True
        )
        if build.returncode != 0 or not VSIX.is_file():
            pytest.fail(f"`make vscode` did not build {VSIX}:\n{build.stderr[-3000:]}", pytrace=False)
    return VSIX


@pytest.fixture
def vscode(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    vscode_tools: real_setup.VsCodeTools,
    vsix: Path,
    emulator_process: Callable[[list[dict[str, Any]]], EmulatorProcess],  # noqa: F811
) -> Iterator[Session]:
    from tests.e2e.vscode_driver import Profile, start_vscode

    emulator = emulator_process(SCRIPT)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "stats.py").write_text(STATS, encoding="utf-8")
    (workspace / "shapes.py").write_text(SHAPES, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    state = tmp_path / "outrider-state"
    profile = Profile(
        tmp_path / "vscode",
        user_settings={
            "outrider.model": FIM_MODEL,
            "outrider.completion.debounce_ms": 0,
            "outrider.prices": {FIM_MODEL: PRICE},
            # These tests count the model's calls and script its replies in order: next-edit
            # predictions (their own tests: tests/lsp/test_next_edit.py) would take replies too.
            "outrider.next_edit.enabled": False,
        },
        # Machine-scoped settings: code-server ignores them in user settings (see the README).
        machine_settings={
            "outrider.server.path": str(Path(sys.executable).parent / "outrider"),
            "outrider.provider": "openai-compatible",
            "outrider.base_url": emulator.openai_base_url,
        },
    )
    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {"OUTRIDER_HOME": str(state), "OPENAI_API_KEY": "sk-emulator", "PYTHONPATH": str(REPO_ROOT)}
    editor, stop = start_vscode(vscode_tools, profile, workspace, vsix, env, shots, request.node.name)
    try:
        with editor.step("server-running"):
            status = wait_for_status(editor, lambda text: "openai-compatible" in text, 90, "the server never started")
            assert "Outrider" in status
        yield Session(editor, workspace, state, emulator)
    finally:
        stop()


def _ghost_text(editor: Any) -> str:
    """Trigger Inline Suggestion (Alt+\\: typing a blank line asks for none) until ghost text shows;
    again every few seconds, as a user would, while the server is still indexing the workspace."""
    from tests.e2e.vscode_driver import wait_for

    for attempt in range(12):
        if attempt % 2:
            editor.run_command("Trigger Inline Suggestion")  # the palette, in case the key was lost
        else:
            editor.press("Alt+Backslash")
        try:
            return str(wait_for(editor.ghost_text, 5, "no ghost text"))
        except AssertionError:
            continue
    raise AssertionError(f"no ghost text was shown after 12 triggers; notifications: {editor.notifications()!r}")


def wait_for_status(editor: Any, check: Callable[[str], bool], timeout_s: float, message: str) -> str:
    from tests.e2e.vscode_driver import wait_for

    return wait_for(
        lambda: (text := editor.status_text()) and check(text) and text,
        timeout_s,
        f"{message}; status bar: {editor.status_text()!r}; notifications: {editor.notifications()!r}",
    )


def test_ghost_text_accepted_with_tab(vscode: Session) -> None:
    from tests.e2e.vscode_driver import wait_for

    editor = vscode.editor
    with editor.step("open-stats"):
        editor.open_file("stats.py")
    with editor.step("type-in-body"):
        editor.go_to_line(4)
        editor.press("End", "Enter")  # a new line in an empty body, indented by VS Code
        editor.page.locator(".statusbar-item", has_text="Ln 5, Col 5").first.wait_for(timeout=10_000)
    with editor.step("ghost-text"):
        ghost = _ghost_text(editor)
        assert "total=sum(values)" in ghost, ghost
    with editor.step("accept-and-save"):
        editor.press("Tab")
        editor.press("Control+S")
        saved = wait_for(
            lambda: "return total / len(values)" in (text := (vscode.workspace / "stats.py").read_text()) and text,
            20,
            "the accepted suggestion never reached the saved file",
        )
    lines = saved.splitlines()
    assert lines[3:6] == ["def mean(values):", "    total = sum(values)", "    return total / len(values)"], lines
    assert "def other" not in saved  # the server stopped at the end of the body
    assert lines[-2:] == ["def spread(values):", "    return max(values) - min(values)"]


def test_agent_on_selection_shows_progress_and_lands_as_one_undo(vscode: Session) -> None:
    from tests.e2e.vscode_driver import wait_for

    editor = vscode.editor
    shapes = vscode.workspace / "shapes.py"
    with editor.step("open-shapes"):
        editor.open_file("shapes.py")
        editor.go_to_line(4)
        editor.press("Home", "Shift+ArrowDown", "Shift+ArrowDown", "Shift+ArrowDown", "Shift+ArrowDown", "Shift+End")
    with editor.step("run-agent"):
        editor.run_command("Outrider: Run agent on selection...")
        editor.answer_input("Add type hints to these functions")
    with editor.step("progress-in-status-bar"):
        # The item ends in "$(sync~spin) N" (a spinning icon and the number of running tasks).
        wait_for_status(
            editor, lambda text: RUNNING_TASKS.search(text) is not None, 20, "no progress in the status bar"
        )
    with editor.step("edit-landed"):
        wait_for_status(editor, lambda text: RUNNING_TASKS.search(text) is None, 60, "the run never ended")
        wait_for(
            lambda: editor.page.locator(".view-line", has_text="def area(width: float").count() > 0,
            60,
            f"the agent's edit never appeared; notifications: {editor.notifications()!r}",
        )
        editor.press("Control+S")
        wait_for(lambda: shapes.read_text(encoding="utf-8").splitlines() == TYPED, 20, "the edit was not saved")
    with editor.step("one-undo"):
        editor.page.locator(".monaco-editor .view-lines").first.click()
        editor.press("Control+Z", "Control+S")
        wait_for(
            lambda: shapes.read_text(encoding="utf-8").splitlines() == ORIGINAL,
            20,
            f"one undo did not take back the whole edit: {shapes.read_text(encoding='utf-8')!r}",
        )
    # The agent's model calls carry its tools (next-edit suggestions, also chat, carry none).
    agent_calls = [r for r in vscode.emulator.requests() if r.get("protocol") == "openai" and r["body"].get("tools")]
    assert len(agent_calls) == 2, agent_calls
