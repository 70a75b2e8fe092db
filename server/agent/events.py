"""Progress events the loop emits; the LSP, terminal and ACP frontends render them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from server.agent.outcomes import RunOutcome
from server.models.budget import Spent


@dataclass(frozen=True, slots=True)
class StepStarted:
    step: int
    spent: Spent


@dataclass(frozen=True, slots=True)
class ToolStarted:
    step: int
    call_id: str
    tool: str
    arguments: Mapping[str, Any]


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
    call_id: str = ""
    result: str = ""  # what went back to the model (redacted and capped)


@dataclass(frozen=True, slots=True)
class ToolUnavailable:
    """An extra tool source (an MCP server) failed to start or stopped mid-run; the run goes on."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class ValidationFailed:
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunFinished:
    outcome: RunOutcome
    spent: Spent


AgentEvent: TypeAlias = (
    StepStarted | ToolStarted | TextStreamed | ToolFinished | ToolUnavailable | ValidationFailed | RunFinished
)
EventSink: TypeAlias = Callable[[AgentEvent], None]


def ignore_events(event: AgentEvent) -> None:
    """The default sink."""
