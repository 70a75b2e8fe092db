from pathlib import Path

from server.agent.outcomes import BudgetExceeded, Failed, Final, NeedsApproval
from server.agent.plan import EditPlan, FileEdit
from server.agent.session import AgentRun
from server.models.budget import Spent
from server.terminal.outcome import ExitCode, unfinished_result
from server.terminal.refactor_run import RefactorJob, conclude
from tools.proposals import text_hash

PLAN = EditPlan((FileEdit(Path("/nonexistent/a.py"), "a.py", None, "h", "old\n", "new\n"),))


def test_each_unfinished_outcome_has_its_exit_code() -> None:
    cases = [
        (BudgetExceeded("budget exhausted: cost limit 0.1 reached"), ExitCode.BUDGET_EXCEEDED),
        (Failed("the model call failed (auth): bad key", kind="provider_error"), ExitCode.PROVIDER_ERROR),
        (
            Failed("the proposed edits still fail validation: a.py: syntax error", kind="validation_failed"),
            ExitCode.VALIDATION_FAILED,
        ),
        (Failed("the model made 4 invalid tool calls in a row; stopping", kind="format_errors"), ExitCode.FAILED),
        (Final("nothing needed"), ExitCode.NOTHING_TO_DO),
    ]
    for outcome, code in cases:
        result = unfinished_result(outcome, Spent())
        assert result is not None and result.exit_code == code, outcome
        assert "\n" not in result.message
    assert unfinished_result(Final("done", PLAN), Spent()) is None


def test_unvalidated_edits_are_named_but_not_applied() -> None:
    result = unfinished_result(BudgetExceeded("budget exhausted: steps limit 2 reached", plan=PLAN), Spent())
    assert result is not None and result.files == ["a.py"] and result.written == []
    assert result.message.endswith("edits proposed so far (a.py) were not applied")


def test_edits_needing_confirmation_are_shown_but_never_applied(tmp_path: Path) -> None:
    run = AgentRun(NeedsApproval("ok", PLAN, ("a.py: deletes a file",)), Spent(steps=2))
    applied = conclude(RefactorJob("x", tmp_path, mode="apply"), run)
    assert applied.exit_code == ExitCode.NEEDS_CONFIRMATION and "a.py: deletes a file" in applied.message
    assert "+new" in applied.diff and applied.written == []
    shown = conclude(RefactorJob("x", tmp_path, mode="diff"), run)
    assert shown.exit_code == ExitCode.OK and shown.status == "diff"


def test_yes_writes_edits_that_need_confirmation(tmp_path: Path) -> None:
    target = tmp_path / "gone.py"
    target.write_text("x = 1\n")
    plan = EditPlan((FileEdit(target, "gone.py", None, text_hash("x = 1\n"), "x = 1\n", None, True, "deletes a file"),))
    run = AgentRun(NeedsApproval("ok", plan, ("gone.py: deletes a file",)), Spent(steps=1))
    assert conclude(RefactorJob("x", tmp_path, mode="apply"), run).exit_code == ExitCode.NEEDS_CONFIRMATION
    assert target.exists()
    result = conclude(RefactorJob("x", tmp_path, mode="apply", confirmed=True), run)
    assert result.exit_code == ExitCode.OK and result.deleted == ["gone.py"] and not target.exists()
    assert "--- a/gone.py\n+++ /dev/null" in result.diff
