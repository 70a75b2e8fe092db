"""What frontends tell the user: progress lines for agent events and the closing message."""

from __future__ import annotations

from server.agent.events import AgentEvent, StepStarted, TextStreamed, ToolFinished, ToolUnavailable, ValidationFailed
from server.agent.outcomes import BudgetExceeded, Failed, Final, NeedsApproval, RunOutcome
from server.models.budget import Spent

STREAM_TAIL_CHARS = 160


def spent_short(spent: Spent) -> str:
    return f"{spent.input_tokens + spent.output_tokens:,} tokens, ${spent.cost_usd:.4f}"


def progress_line(event: AgentEvent, max_steps: int, streamed: str = "") -> str | None:
    """One line for a progress report, or None when the event is not worth one."""
    if isinstance(event, StepStarted):
        return f"step {event.step}/{max_steps}: asking the model ({spent_short(event.spent)})"
    if isinstance(event, ToolFinished):
        files = f" {', '.join(event.files)}" if event.files else ""
        failed = " (failed)" if event.is_error else ""
        touched = f"; editing {', '.join(event.files_touched)}" if event.files_touched else ""
        return f"step {event.step}: {event.tool}{files}{failed}{touched} ({spent_short(event.spent)})"
    if isinstance(event, TextStreamed):
        tail = " ".join(streamed.split())[-STREAM_TAIL_CHARS:]
        return tail or None
    if isinstance(event, ToolUnavailable):
        return f"{event.source} is unavailable ({event.reason}); going on without it"
    if isinstance(event, ValidationFailed):
        return f"checking the edits: {len(event.problems)} problem(s); asking the model to fix them"
    return None


def outcome_message(outcome: RunOutcome, spent: Spent) -> str:
    """The closing message: what was done, and what was spent."""
    cost = f"Spent {spent.describe()}."
    if isinstance(outcome, Final | NeedsApproval):
        files = ", ".join(outcome.plan.files)
        done = f"Proposed edits to {files}." if files else "No edits."
        return f"Outrider: done. {done} {cost}"
    pending = outcome.plan.files
    left = f" Edits proposed so far ({', '.join(pending)}) were not applied." if pending else ""
    if isinstance(outcome, BudgetExceeded):
        return f"Outrider stopped: {outcome.message}.{left}"
    assert isinstance(outcome, Failed)
    return f"Outrider failed: {outcome.message}.{left} {cost}"
