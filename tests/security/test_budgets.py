"""Budget corpus: slow and hanging models against each budget kind, in the terminal and over LSP;
invalid budgets; a workspace file that tries to loosen limits or set prices. A run must end within
its budget (plus a margin for start-up), whatever the model does."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from server.cli import main
from server.config import AgentSettings, load_settings
from server.terminal.outcome import ExitCode
from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.emulator import Emulator
from tests.lsp.conftest import StartClient, copy_workspace, wait_for_message
from tests.terminal.conftest import refactor_argv, snapshot, write_user_config

LOOP_CALL = {"tool_calls": [{"name": "list_files", "arguments": {}}]}
SLOW_TEXT = {"text": "thinking " * 400, "chunk_delay_s": 0.3, "repeat": True}  # 450 chunks: over 2 minutes
HANG_MID_STREAM = {"text": "thinking " * 40, "fault": "hang", "after_chunks": 2, "repeat": True}
# Start-up, SDK connection and teardown on a loaded 2-core machine (a run is about 4 s when idle); the
# uncancelled runs take over 2 minutes (slow stream) or for ever (hang).
MARGIN_S = 30.0

# (limit, terminal flags, emulator reply)
TERMINAL_CASES: list[tuple[str, list[str], dict[str, Any]]] = [
    ("seconds", ["--max-seconds", "2"], SLOW_TEXT),
    ("seconds", ["--max-seconds", "2"], HANG_MID_STREAM),
    ("steps", ["--max-steps", "3"], {**LOOP_CALL, "repeat": True}),
    # plausible usage for the request (usage_audit replaces reports far beyond our own count)
    ("cost_usd", ["--max-cost", "0.05"], {**LOOP_CALL, "repeat": True, "usage": {"input_tokens": 8_000}}),
]


@pytest.mark.parametrize(
    ("limit", "flags", "reply"), TERMINAL_CASES, ids=["slow_stream", "hang_mid_stream", "steps", "cost_usd"]
)
def test_terminal_run_ends_within_its_budget(
    emulator: Emulator,
    work: Path,
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    limit: str,
    flags: list[str],
    reply: dict[str, Any],
) -> None:
    emulator.script(reply)
    before = snapshot(work)
    started = time.monotonic()
    code = main(refactor_argv(emulator.anthropic_base_url, work, "--apply", "--json", *flags, instruction="loop"))
    elapsed = time.monotonic() - started
    result = json.loads(capsys.readouterr().out)
    assert code == ExitCode.BUDGET_EXCEEDED and result["status"] == "budget_exceeded", result
    assert f"{limit} limit" in result["message"], result["message"]
    budget_s = float(flags[1]) if flags[0] == "--max-seconds" else 60.0
    assert elapsed < budget_s + MARGIN_S, f"the run took {elapsed:.1f} s"
    assert snapshot(work) == before


def test_terminal_token_budget_stops_the_run(
    emulator: Emulator,
    work: Path,
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_user_config(cli_env, "[agent]\nmax_input_tokens = 250\nmax_output_tokens = 1000000\n")
    emulator.script({**LOOP_CALL, "repeat": True, "usage": {"input_tokens": 100, "output_tokens": 5}})
    code = main(refactor_argv(emulator.anthropic_base_url, work, "--json", instruction="loop"))
    result = json.loads(capsys.readouterr().out)
    assert code == ExitCode.BUDGET_EXCEEDED and "input_tokens" in result["message"]
    assert len(emulator.requests) == 3


@pytest.mark.parametrize(
    ("source", "value"),
    [("flag", "-5"), ("flag", "0"), ("user_config", "-5"), ("user_config", '"many"')],
)
def test_an_invalid_budget_is_reported_and_nothing_runs(
    emulator: Emulator,
    work: Path,
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    source: str,
    value: str,
) -> None:
    emulator.script({"text": "done", "repeat": True})
    extra: list[str] = []
    if source == "flag":
        extra = ["--max-steps", value]
    else:
        write_user_config(cli_env, f"[agent]\nmax_steps = {value}\n")
    code = main(refactor_argv(emulator.anthropic_base_url, work, *extra, instruction="anything"))
    err = capsys.readouterr().err
    assert code != 0 and "max_steps" in err, err
    assert emulator.requests == []


WORKSPACE_LOOSENING = (
    "[agent]\nmax_steps = 500\nmax_cost_usd = 1000.0\nmax_seconds = 100000.0\n"
    "max_input_tokens = 900000000\nmax_output_tokens = 900000000\n"
    '[prices."claude-sonnet-4-6"]\ninput = 0.0\noutput = 0.0\n'
)


@pytest.mark.parametrize("file", ["outrider.toml", "pyproject.toml"])
def test_a_workspace_file_cannot_loosen_budgets_or_set_prices(tmp_path: Path, file: str) -> None:
    text = WORKSPACE_LOOSENING
    if file == "pyproject.toml":
        text = text.replace("[agent]", "[tool.outrider.agent]").replace("[prices.", "[tool.outrider.prices.")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / file).write_text(text, encoding="utf-8")
    loaded = load_settings(tmp_path / "ws", env={"XDG_CONFIG_HOME": str(tmp_path / "config")})
    defaults = AgentSettings()
    agent = loaded.settings.agent
    assert agent.max_steps == defaults.max_steps and agent.max_cost_usd == defaults.max_cost_usd
    assert agent.max_seconds == defaults.max_seconds
    assert agent.max_input_tokens == defaults.max_input_tokens
    assert agent.max_output_tokens == defaults.max_output_tokens
    assert loaded.settings.prices == {}
    problems = "\n".join(loaded.problems)
    for key in ("agent.max_steps", "agent.max_cost_usd", "agent.max_seconds", "prices"):
        assert key in problems, problems


def test_a_workspace_file_may_tighten_budgets(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "outrider.toml").write_text("[agent]\nmax_steps = 4\nmax_cost_usd = 0.05\n")
    loaded = load_settings(tmp_path / "ws", env={"XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert loaded.settings.agent.max_steps == 4 and loaded.settings.agent.max_cost_usd == 0.05
    assert loaded.problems == []


LSP_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("seconds", {"max_seconds": 2.0}, SLOW_TEXT),
    ("seconds", {"max_seconds": 2.0}, HANG_MID_STREAM),
    ("input_tokens", {"max_input_tokens": 250}, {**LOOP_CALL, "repeat": True, "usage": {"input_tokens": 100}}),
    (
        "output_tokens",
        {"max_output_tokens": 12, "max_input_tokens": 10**9},
        {**LOOP_CALL, "repeat": True, "usage": {"output_tokens": 5}},
    ),
]


@pytest.mark.parametrize(
    ("limit", "agent", "reply"), LSP_CASES, ids=["slow_stream", "hang_mid_stream", "input_tokens", "output_tokens"]
)
async def test_lsp_run_ends_within_its_budget(
    limit: str,
    agent: dict[str, Any],
    reply: dict[str, Any],
    emulator: Emulator,
    start_client: StartClient,
    tmp_path: Path,
) -> None:
    emulator.script(reply)
    work = copy_workspace("agent_rename", tmp_path)
    options = {"provider": "anthropic", "base_url": emulator.anthropic_base_url, "agent": agent}
    client = await start_client(
        workspace=work, initialization_options=options, env={"ANTHROPIC_API_KEY": "sk-ant-emulator"}
    )
    editor = PretendEditor(client).install()
    started_at = time.monotonic()
    started = await run_agent(client, {"instruction": "Think forever."})
    end = await progress_end(client, started["token"], timeout_s=60)
    elapsed = time.monotonic() - started_at
    assert end.message is not None and f"budget exhausted: {limit} limit" in end.message, end.message
    if limit == "seconds":
        assert elapsed < agent["max_seconds"] + MARGIN_S, f"the run took {elapsed:.1f} s"
    assert not editor.edits


async def test_lsp_refuses_a_run_with_an_invalid_budget(
    emulator: Emulator, start_client: StartClient, tmp_path: Path
) -> None:
    emulator.script({"text": "done", "repeat": True})
    work = copy_workspace("agent_rename", tmp_path)
    options = {"provider": "anthropic", "base_url": emulator.anthropic_base_url, "agent": {"max_steps": -5}}
    client = await start_client(
        workspace=work, initialization_options=options, env={"ANTHROPIC_API_KEY": "sk-ant-emulator"}
    )
    PretendEditor(client).install()
    try:
        await run_agent(client, {"instruction": "Anything."})
    except Exception as exc:  # the request itself may be refused with an error
        assert "max_steps" in str(exc)
    else:
        shown = await wait_for_message(client, lambda m: "max_steps" in m.message and "not started" in m.message)
        assert shown is not None
    assert emulator.requests == []
