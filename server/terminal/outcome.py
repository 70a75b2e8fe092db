"""What a terminal agent run ends as: a status, an exit code and one line for the user."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

from server.agent.outcomes import BudgetExceeded, Failed, Final, NeedsApproval, RunOutcome
from server.models.budget import Spent


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    BUDGET_EXCEEDED = 3
    VALIDATION_FAILED = 4
    PROVIDER_ERROR = 5
    NOTHING_TO_DO = 6
    CONFLICT = 7
    NEEDS_CONFIRMATION = 8
    COMMIT_FAILED = 9
    INTERRUPTED = 130


@dataclass
class RefactorResult:
    status: str  # diff | applied | committed | budget_exceeded | validation_failed | provider_error | ...
    exit_code: ExitCode
    message: str  # one line
    answer: str = ""
    files: list[str] = field(default_factory=list)  # files the plan changes (workspace-relative)
    diff: str = ""
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    commit: str | None = None
    spent: Spent = field(default_factory=Spent)
    elapsed_s: float = 0.0
    session: str | None = None  # the recorded session file, if any

    @property
    def ok(self) -> bool:
        return self.exit_code == ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["exit_code"] = int(self.exit_code)
        out["ok"] = self.ok
        out["elapsed_s"] = round(self.elapsed_s, 3)
        out["spent"]["cost_usd"] = round(self.spent.cost_usd, 6)
        out["spent"]["seconds"] = round(self.spent.seconds, 3)
        return out


def _failure_status(outcome: Failed) -> tuple[str, ExitCode]:
    if outcome.kind == "provider_error":
        return "provider_error", ExitCode.PROVIDER_ERROR
    if outcome.kind == "validation_failed":
        return "validation_failed", ExitCode.VALIDATION_FAILED
    return "failed", ExitCode.FAILED


def one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def unfinished_result(outcome: RunOutcome, spent: Spent) -> RefactorResult | None:
    """The result of a run that produced nothing to apply, or None when there is a plan to show."""
    pending = list(outcome.plan.files)
    left = f"; edits proposed so far ({', '.join(pending)}) were not applied" if pending else ""
    if isinstance(outcome, BudgetExceeded):
        message = one_line(f"budget exceeded: {outcome.message}{left}")
        return RefactorResult("budget_exceeded", ExitCode.BUDGET_EXCEEDED, message, files=pending, spent=spent)
    if isinstance(outcome, Failed):
        status, code = _failure_status(outcome)
        return RefactorResult(status, code, one_line(f"{outcome.message}{left}"), files=pending, spent=spent)
    assert isinstance(outcome, Final | NeedsApproval)
    if not outcome.plan:
        answer = one_line(outcome.answer, 200)
        message = "nothing to do: the model proposed no edits" + (f" ({answer})" if answer else "")
        return RefactorResult("nothing_to_do", ExitCode.NOTHING_TO_DO, message, answer=outcome.answer, spent=spent)
    return None
