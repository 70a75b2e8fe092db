"""What one turn of the agent loop ends in. The loop continues on :class:`Continue` and stops on
anything else; frontends switch on the final value (no exceptions for control flow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from server.agent.plan import EditPlan
from server.models.budget import BudgetExceeded as LimitReached

FailureKind = Literal["provider_error", "format_errors", "validation_failed", "failed"]


@dataclass(frozen=True, slots=True)
class Continue:
    """Another model call is needed (tool results or validation feedback were added)."""


@dataclass(frozen=True, slots=True)
class Final:
    """Done: the model's answer and the validated edits (possibly none, e.g. for 'explain')."""

    answer: str
    plan: EditPlan = field(default_factory=EditPlan)


@dataclass(frozen=True, slots=True)
class NeedsApproval:
    """Done, but some edits must be confirmed by the user before they are applied."""

    answer: str
    plan: EditPlan
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BudgetExceeded:
    """A budget limit stopped the run. `detail` is the model layer's record of what was spent."""

    message: str
    detail: LimitReached | None = None
    plan: EditPlan = field(default_factory=EditPlan)  # edits proposed so far, NOT validated


@dataclass(frozen=True, slots=True)
class Failed:
    """The run could not finish: a provider error, repeated invalid tool calls, edits that kept
    failing validation, or cancellation."""

    message: str
    plan: EditPlan = field(default_factory=EditPlan)  # edits proposed so far, NOT validated
    kind: FailureKind = "failed"


TurnOutcome: TypeAlias = Continue | Final | NeedsApproval | BudgetExceeded | Failed
RunOutcome: TypeAlias = Final | NeedsApproval | BudgetExceeded | Failed
