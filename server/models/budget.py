"""One budget per run: steps, input and output tokens, dollars and wall time.

Checked before every model call (``check()``), charged from the Usage events the stream reports
(``charge()``), so a run never overshoots a limit by more than the call in flight. When a limit is
reached the caller gets a typed :class:`BudgetExceeded` saying what was spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from server.config import AgentSettings, ModelPrice
from server.models.prices import PriceTable
from server.models.types import Usage

LimitName = Literal["steps", "input_tokens", "output_tokens", "cost_usd", "seconds"]


@dataclass(frozen=True, slots=True)
class Spent:
    steps: int = 0
    input_tokens: int = 0  # every prompt token: full-price, cache reads and cache writes
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0

    def describe(self) -> str:
        return (
            f"{self.steps} steps, {self.input_tokens} input and {self.output_tokens} output tokens, "
            f"${self.cost_usd:.4f}, {self.seconds:.1f}s"
        )


@dataclass(frozen=True, slots=True)
class BudgetExceeded:
    """The budget refused another model call: which limit, its value, and what was spent."""

    limit: LimitName
    limit_value: float
    spent: Spent

    @property
    def message(self) -> str:
        return f"budget exhausted: {self.limit} limit {self.limit_value:g} reached ({self.spent.describe()})"


@dataclass(frozen=True, slots=True)
class Limits:
    max_steps: int
    max_input_tokens: int
    max_output_tokens: int
    max_cost_usd: float
    max_seconds: float


class Budget:
    """Mutable, owned by one run (one task); not shared between runs."""

    def __init__(
        self,
        limits: Limits,
        prices: PriceTable | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self._prices = prices or PriceTable()
        self._clock = clock
        self._started = clock()
        self._spent = Spent()

    @classmethod
    def from_settings(cls, agent: AgentSettings, prices: Mapping[str, ModelPrice] | None = None) -> Budget:
        limits = Limits(
            max_steps=agent.max_steps,
            max_input_tokens=agent.max_input_tokens,
            max_output_tokens=agent.max_output_tokens,
            max_cost_usd=agent.max_cost_usd,
            max_seconds=agent.max_seconds,
        )
        return cls(limits, PriceTable(prices))

    def spent(self) -> Spent:
        """A snapshot of what was spent so far (wall time up to now)."""
        return replace(self._spent, seconds=self._clock() - self._started)

    def check(self) -> BudgetExceeded | None:
        """None if another model call may start; else the first limit reached."""
        return self._first_exceeded(include_steps=True)

    def check_attempt(self) -> BudgetExceeded | None:
        """For the provider layer, before each attempt of a call already counted as a step."""
        return self._first_exceeded(include_steps=False)

    def _first_exceeded(self, include_steps: bool) -> BudgetExceeded | None:
        spent = self.spent()
        lim = self.limits
        checks: tuple[tuple[LimitName, float, float], ...] = (
            ("steps", spent.steps if include_steps else 0, lim.max_steps),
            ("input_tokens", spent.input_tokens, lim.max_input_tokens),
            ("output_tokens", spent.output_tokens, lim.max_output_tokens),
            ("cost_usd", spent.cost_usd, lim.max_cost_usd),
            ("seconds", spent.seconds, lim.max_seconds),
        )
        for name, used, limit in checks:
            if used >= limit:
                return BudgetExceeded(name, limit, spent)
        return None

    def step(self) -> None:
        """Count one model turn (call it when the turn starts, after ``check()``)."""
        self._spent = replace(self._spent, steps=self._spent.steps + 1)

    def begin_step(self) -> BudgetExceeded | None:
        """``check()`` then ``step()`` if allowed: the usual guard before a model turn."""
        exceeded = self.check()
        if exceeded is None:
            self.step()
        return exceeded

    def charge(self, usage: Usage, model: str | None = None) -> float:
        """Add one Usage event (retries included); returns its cost in dollars. The model
        defaults to the one the event names. Negative counts (a broken server) are charged as zero."""
        usage = replace(
            usage,
            input_tokens=max(0, usage.input_tokens),
            output_tokens=max(0, usage.output_tokens),
            cache_read_tokens=max(0, usage.cache_read_tokens),
            cache_write_tokens=max(0, usage.cache_write_tokens),
        )
        cost = self._prices.cost(usage, model or usage.model)
        s = self._spent
        self._spent = replace(
            s,
            input_tokens=s.input_tokens + usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
            output_tokens=s.output_tokens + usage.output_tokens,
            cache_read_tokens=s.cache_read_tokens + usage.cache_read_tokens,
            cache_write_tokens=s.cache_write_tokens + usage.cache_write_tokens,
            cost_usd=s.cost_usd + cost,
        )
        return cost

    def remaining_output_tokens(self) -> int:
        """Cap for a request's ``max_tokens`` so one call cannot overshoot the output limit."""
        return max(0, self.limits.max_output_tokens - self._spent.output_tokens)
