from server.agent.events import StepStarted, TextStreamed, ToolFinished
from server.agent.outcomes import BudgetExceeded, Failed, Final
from server.agent.plan import EditPlan, FileEdit
from server.agent.reporting import outcome_message, progress_line
from server.models.budget import BudgetExceeded as LimitReached
from server.models.budget import Spent

SPENT = Spent(steps=3, input_tokens=1000, output_tokens=234, cost_usd=0.0123, seconds=4.2)
PLAN = EditPlan(
    (
        FileEdit(
            path=__import__("pathlib").Path("/w/a.py"),
            rel_path="a.py",
            base_version=None,
            base_hash="",
            old_text="a",
            new_text="b",
        ),
    )
)


def test_progress_lines_say_step_tool_files_tokens_and_dollars() -> None:
    assert progress_line(StepStarted(2, SPENT), 25) == "step 2/25: asking the model (1,234 tokens, $0.0123)"
    line = progress_line(ToolFinished(2, "propose_edit", False, ("a.py",), ("a.py", "b.py"), SPENT), 25)
    assert line == "step 2: propose_edit a.py; editing a.py, b.py (1,234 tokens, $0.0123)"
    assert progress_line(TextStreamed("x"), 25, "Looking at\nthe code") == "Looking at the code"


def test_outcome_messages() -> None:
    assert outcome_message(Final("ok", PLAN), SPENT).startswith("Outrider: done. Proposed edits to a.py. Spent 3 steps")
    exceeded = LimitReached("steps", 3, SPENT)
    stopped = outcome_message(BudgetExceeded(exceeded.message, exceeded, PLAN), SPENT)
    assert "budget exhausted: steps limit 3 reached" in stopped and "(a.py) were not applied" in stopped
    assert outcome_message(Failed("boom"), SPENT).startswith("Outrider failed: boom.")
