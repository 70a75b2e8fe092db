"""The agent loop: model turn -> tool calls -> results -> next turn, until an outcome.

Each turn returns a typed outcome (:mod:`server.agent.outcomes`); the loop stops on anything but
``Continue``. The budget is checked before every model call, and the wall-time budget cancels a
model call in flight; every tool call has a deadline (``LoopLimits.tool_timeout_s``, the test
timeout for ``run_tests``, never past the wall-time budget). Invalid tool arguments go back to the
model as tool errors, with a bound on consecutive format errors. When the model stops calling
tools, the proposals are validated; problems go back to the model (within the budget and a bound
on rounds). Cancellation is asyncio task cancellation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.agent.events import (
    EventSink,
    RunFinished,
    StepStarted,
    TextStreamed,
    ToolFinished,
    ToolStarted,
    ValidationFailed,
    ignore_events,
)
from server.agent.outcomes import BudgetExceeded, Continue, Failed, Final, NeedsApproval, RunOutcome, TurnOutcome
from server.agent.plan import plan_from_proposals
from server.agent.reply import Reply, collect_reply
from server.agent.validation import validate_proposals
from server.models.budget import Budget
from server.models.tool_spec import tool_spec
from server.models.types import ChatRequest, Message, Provider, ToolCallPart, ToolResultPart
from tools.tool import ToolDef, ToolEnv, ToolResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoopLimits:
    max_format_errors: int = 3  # consecutive turns whose tool calls were all invalid
    max_validation_rounds: int = 3
    max_tokens_per_call: int = 4096
    tool_timeout_s: float = 120.0  # any tool but run_tests (which gets its own timeout plus a margin)


class AgentLoop:
    def __init__(
        self,
        provider: Provider,
        tools: Mapping[str, ToolDef[Any]],
        env: ToolEnv,
        budget: Budget,
        *,
        system: str,
        model: str,
        run_tests: bool = False,
        limits: LoopLimits = LoopLimits(),
        on_event: EventSink = ignore_events,
        feature: str = "agent",
    ) -> None:
        self.provider, self.tools, self.env, self.budget = provider, dict(tools), env, budget
        self.feature = feature  # the trace's feature name (the frontend that runs the loop)
        self.system, self.model, self.run_tests, self.limits, self.emit = system, model, run_tests, limits, on_event
        self.specs = tuple(tool_spec(t.name, t.description, t.input_model) for t in self.tools.values())
        self.messages: list[Message] = []
        self.steps = self.format_errors = self.validation_rounds = 0

    async def run(self, task: str) -> RunOutcome:
        self.messages = [Message.user(task)]
        while isinstance(outcome := await self.turn(), Continue):
            pass
        self.emit(RunFinished(outcome, self.budget.spent()))
        return outcome

    async def turn(self) -> TurnOutcome:
        if (exceeded := self.budget.begin_step()) is not None:
            return BudgetExceeded(exceeded.message, exceeded, plan_from_proposals(self.env.proposals))
        self.steps += 1
        self.emit(StepStarted(self.steps, self.budget.spent()))
        reply = await self.call_model_in_budget()
        if isinstance(reply, BudgetExceeded):
            return reply
        if reply.error is not None:
            return self.on_model_error(reply)
        self.messages.append(reply.message())
        if reply.tool_calls:
            return await self.run_tools(reply.tool_calls)
        return await self.finish(reply.text)

    def remaining_seconds(self) -> float:
        return max(0.0, self.budget.limits.max_seconds - self.budget.spent().seconds)

    async def call_model_in_budget(self) -> Reply | BudgetExceeded:
        """The model call, cancelled when the wall-time budget runs out while it streams."""
        try:
            async with asyncio.timeout(self.remaining_seconds()):
                return await self.call_model()
        except TimeoutError:
            exceeded = self.budget.check()
            message = exceeded.message if exceeded is not None else "budget exhausted: seconds limit reached"
            return BudgetExceeded(message, exceeded, plan_from_proposals(self.env.proposals))

    async def call_model(self) -> Reply:
        request = ChatRequest(
            feature=self.feature,
            system=self.system,
            messages=tuple(self.messages),
            tools=self.specs,
            max_tokens=max(1, min(self.limits.max_tokens_per_call, self.budget.remaining_output_tokens())),
            model=self.model,
            metadata={"step": self.steps},
        )
        return await collect_reply(
            self.provider.stream(request),
            on_text=lambda text: self.emit(TextStreamed(text)),
            on_usage=lambda usage: self.budget.charge(usage, self.model),
        )

    def on_model_error(self, reply: Reply) -> TurnOutcome:
        error = reply.error
        assert error is not None
        plan = plan_from_proposals(self.env.proposals)
        if error.kind in ("budget", "spend_cap"):
            return BudgetExceeded(error.message, None, plan)
        if error.kind == "malformed" and self.count_format_error():
            self.messages.append(Message.user(f"Your last reply could not be read ({error.message}). Try again."))
            return Continue()
        return Failed(f"the model call failed ({error.kind}): {error.message}", plan, "provider_error")

    def count_format_error(self) -> bool:
        """Count one more format error in a row; False once the bound is passed."""
        self.format_errors += 1
        return self.format_errors <= self.limits.max_format_errors

    async def run_tools(self, calls: list[ToolCallPart]) -> TurnOutcome:
        results: list[ToolResultPart] = []
        all_invalid = True
        for call in calls:
            self.emit(ToolStarted(self.steps, call.id, call.name, call.arguments))
            result = await self.run_tool(call)
            all_invalid = all_invalid and result.invalid_arguments
            results.append(ToolResultPart(call.id, result.text, result.is_error))
            touched = tuple(p.target.rel for p in self.env.proposals.items())
            spent = self.budget.spent()
            self.emit(
                ToolFinished(self.steps, call.name, result.is_error, result.files, touched, spent, call.id, result.text)
            )
        self.messages.append(Message("user", tuple(results)))
        if not all_invalid:
            self.format_errors = 0
        elif not self.count_format_error():
            return Failed(
                f"the model made {self.format_errors} invalid tool calls in a row; stopping",
                plan_from_proposals(self.env.proposals),
                "format_errors",
            )
        return Continue()

    async def run_tool(self, call: ToolCallPart) -> ToolResult:
        tool = self.tools.get(call.name)
        if tool is None:
            known = ", ".join(self.tools)
            return ToolResult(f"unknown tool {call.name!r}; available: {known}", is_error=True, invalid_arguments=True)
        limit = self.limits.tool_timeout_s
        if call.name == "run_tests":
            limit = max(limit, self.env.test_timeout_s + 30.0)
        deadline = min(limit, max(self.remaining_seconds(), 0.1))
        try:
            async with asyncio.timeout(deadline):
                return await tool.call(call.arguments, self.env)
        except TimeoutError:
            log.warning("tool %s did not finish within %.1f s; stopped", call.name, deadline)
            return ToolResult.error(f"{call.name} did not finish within {deadline:g} s and was stopped")
        except Exception as exc:  # a broken tool must not kill the run; log it and tell the model
            log.exception("tool %s failed", call.name)
            return ToolResult.error(f"{call.name} failed: {type(exc).__name__}: {exc}")

    async def finish(self, answer: str) -> TurnOutcome:
        if not len(self.env.proposals):
            return Final(answer)
        report = await validate_proposals(self.env, run_tests=self.run_tests)
        if not report.ok:
            self.validation_rounds += 1
            self.emit(ValidationFailed(tuple(report.problems)))
            if self.validation_rounds > self.limits.max_validation_rounds:
                return Failed(
                    "the proposed edits still fail validation: " + "; ".join(report.problems),
                    plan_from_proposals(self.env.proposals),
                    "validation_failed",
                )
            feedback = "\n\n".join(report.problems)
            self.messages.append(Message.user(f"Your edits were checked and have problems:\n\n{feedback}\n\nFix them."))
            return Continue()
        plan = plan_from_proposals(self.env.proposals)
        reasons = tuple(f"{e.rel_path}: {e.reason}" for e in plan.edits if e.reason)
        return NeedsApproval(answer, plan, reasons) if reasons else Final(answer, plan)
