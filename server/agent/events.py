"""Progress events the loop emits; the LSP and terminal frontends render them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from server.agent.outcomes import RunOutcome
from server.models.budget import Spent


@dataclass(frozen=True, slots=True)
class StepStarted:
    step: int
    spent: Spent


@dataclass(frozen=True, slots=True)
class TextStreamed:
    text: str


@dataclass(frozen=True, slots=True)
class ToolFinished:
    step: int
    tool: str
    is_error: bool
    files: tuple[str, ...]  # files this call read or proposed to change
    files_touched: tuple[str, ...]  # every file with a proposal so far
    spent: Spent


@dataclass(frozen=True, slots=True)
class ValidationFailed:
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunFinished:
    outcome: RunOutcome
    spent: Spent


AgentEvent: TypeAlias = StepStarted | TextStreamed | ToolFinished | ValidationFailed | RunFinished
EventSink: TypeAlias = Callable[[AgentEvent], None]


def ignore_events(event: AgentEvent) -> None:
    """The default sink."""
