"""`outrider refactor` against the emulator (real Anthropic SDK): diff only, apply, JSON, budget,
a file changed during the run, provider errors, bad arguments."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from server.cli import main
from server.terminal.outcome import ExitCode
from tests.agent.task_scripts import RENAME
from tests.emulator import Emulator
from tests.terminal.conftest import refactor_argv, script_rename, snapshot, write_user_config


def test_diff_only_shows_the_diff_and_writes_nothing(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    script_rename(emulator)
    before = snapshot(work)
    assert main(refactor_argv(emulator.anthropic_base_url, work)) == 0
    out, err = capsys.readouterr()
    assert "--- a/shop/pricing.py\n+++ b/shop/pricing.py\n" in out
    assert "-def calc_total(" in out and "+def compute_total(" in out
    assert "not written" in err and "step 4/25" in err
    assert snapshot(work) == before
    assert len(emulator.requests) == len(RENAME.replies)


def test_apply_writes_every_file_atomically(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    script_rename(emulator)
    assert main(refactor_argv(emulator.anthropic_base_url, work, "--apply")) == 0
    assert "def compute_total(" in (work / "shop" / "pricing.py").read_text()
    assert "compute_total(self.prices)" in (work / "shop" / "cart.py").read_text()
    assert "calc_total" not in (work / "checks" / "check_pricing.py").read_text()
    assert not [p for p in work.rglob("*") if ".outrider-" in p.name]  # no temporary files left
    assert "applied to checks/check_pricing.py, shop/cart.py, shop/pricing.py" in capsys.readouterr().err


def test_json_result_for_scripts(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    script_rename(emulator)
    assert main(refactor_argv(emulator.anthropic_base_url, work, "--apply", "--json")) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "applied" and result["ok"] is True and result["exit_code"] == 0
    assert result["files"] == list(RENAME.changed) == result["written"]
    assert result["answer"] == RENAME.replies[-1]["text"]
    assert result["spent"]["steps"] == 4 and result["spent"]["input_tokens"] > 0
    assert "+def compute_total(" in result["diff"]


def test_budget_exhaustion_stops_and_writes_nothing(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    script_rename(emulator)
    before = snapshot(work)
    code = main(refactor_argv(emulator.anthropic_base_url, work, "--apply", "--max-steps", "2", "--json"))
    out, err = capsys.readouterr()
    assert code == ExitCode.BUDGET_EXCEEDED
    assert json.loads(out)["status"] == "budget_exceeded"
    assert err.strip().splitlines()[-1].startswith("outrider refactor: budget exceeded: budget exhausted: steps")
    assert len(emulator.requests) == 2
    assert snapshot(work) == before


def test_file_changed_during_the_run_is_refused_whole(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The validation's test command stands in for another process editing cart.py after the agent read
    # it and after the proposals were checked: the apply must refuse the whole plan.
    cart = work / "shop" / "cart.py"
    touch = f"open({str(cart)!r}, 'a').write('# edited meanwhile\\n')"
    # Outside the sandbox (a sandboxed test command cannot write to the workspace), allowed by --yes.
    write_user_config(
        cli_env,
        f"[agent]\nsandbox = false\ntest_commands = [[{json.dumps(sys.executable)}, '-c', {json.dumps(touch)}]]\n",
    )
    script_rename(emulator)
    pricing_before = (work / "shop" / "pricing.py").read_text()
    code = main(refactor_argv(emulator.anthropic_base_url, work, "--apply", "--yes"))
    err = capsys.readouterr().err
    assert code == ExitCode.CONFLICT
    assert "outrider refactor: shop/cart.py changed on disk since the agent read it; nothing was written" in err
    assert cart.read_text().endswith("# edited meanwhile\n") and "calc_total" in cart.read_text()
    assert (work / "shop" / "pricing.py").read_text() == pricing_before  # all or nothing


def test_provider_error_is_one_line_and_non_zero(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.script({"fault": "auth"})
    code = main(refactor_argv(emulator.anthropic_base_url, work, "--apply"))
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == ExitCode.PROVIDER_ERROR
    assert last.startswith("outrider refactor: the model call failed (auth)")


def test_nothing_to_do_when_the_model_proposes_no_edit(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.script({"text": "calc_total is already the best name."})
    assert main(refactor_argv(emulator.anthropic_base_url, work)) == ExitCode.NOTHING_TO_DO
    assert "nothing to do: the model proposed no edits (calc_total is already" in capsys.readouterr().err


def test_missing_key_and_bad_paths_fail_before_any_call(
    work: Path, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    assert main(["refactor", "x", "--workspace", str(work), "--provider", "anthropic"]) == ExitCode.PROVIDER_ERROR
    assert "no API key; set ANTHROPIC_API_KEY" in capsys.readouterr().err
    assert main(["refactor", "x", str(work / "missing.py"), "--workspace", str(work)]) == 2
    assert "missing.py: no such file or directory" in capsys.readouterr().err
    assert main(["refactor", "x", "--workspace", str(work), "--diff", "--commit"]) == 2


def test_file_edited_while_the_model_thinks_is_redone_on_top_of_the_users_edit(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    cart = work / "shop" / "cart.py"
    cart_edit = RENAME.replies[2]["tool_calls"][1]
    emulator.script(
        *RENAME.replies[:3],
        {"text": "Done.", "first_byte_delay_s": 1.0},  # the user saves cart.py meanwhile
        {"tool_calls": [{"name": "read_file", "arguments": {"path": "shop/cart.py"}}]},
        {"tool_calls": [cart_edit]},
        {"text": "Redid the edit to shop/cart.py on top of your change."},
    )

    def user_saves_cart() -> None:
        assert emulator.wait_until(lambda: len(emulator.requests) >= 4, timeout=30)
        with cart.open("a") as fh:
            fh.write("# edited meanwhile\n")

    saver = threading.Thread(target=user_saves_cart)
    saver.start()
    code = main(refactor_argv(emulator.anthropic_base_url, work, "--apply"))
    saver.join()
    err = capsys.readouterr().err
    assert code == 0, err
    assert "! shop/cart.py changed since you read it" in err
    text = cart.read_text()
    assert text.endswith("# edited meanwhile\n") and "compute_total(self.prices)" in text and "calc_total" not in text
    assert len(emulator.requests) == 7


def test_spend_cap_ends_the_run_with_the_budget_exit_code(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Two agent calls a minute: the third model turn is refused by the cap, shared with any other
    # process of the user, and the run ends as a budget stop that names the cap and its reset.
    write_user_config(cli_env, "[caps.features.agent]\nrequests_per_minute = 2\n")
    script_rename(emulator)
    before = snapshot(work)
    code = main(refactor_argv(emulator.anthropic_base_url, work, "--apply", "--json"))
    out, err = capsys.readouterr()
    assert code == ExitCode.BUDGET_EXCEEDED == 3
    assert json.loads(out)["status"] == "budget_exceeded"
    last = err.strip().splitlines()[-1]
    assert "spend cap reached" in last and "caps.features.agent.requests_per_minute" in last and "resets at" in last
    assert len(emulator.requests) == 2
    assert snapshot(work) == before
