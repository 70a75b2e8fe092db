"""Agent loop overhead per step, excluding model and tool time.

Runs :class:`server.agent.loop.AgentLoop` against an in-process provider that answers instantly
(pre-built events) and a tool that returns at once, so what is timed is the loop itself: budget
checks, building the request (tool specs, growing history), collecting the stream, validating tool
arguments with pydantic, events, and the final validation of an (empty) proposal set. Per-step time
is the interval between consecutive ``StepStarted`` events minus the time spent inside the tool.

    .venv/bin/python bench/agent.py [--runs 5] [--steps 50] [--save FILE] [--baseline FILE]

Target: p50 <= 5 ms per step.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel

from server.agent.events import AgentEvent, StepStarted
from server.agent.loop import AgentLoop
from server.agent.outcomes import Final
from server.models.budget import Budget, Limits
from server.models.types import (
    ChatRequest,
    ErrorEvent,
    FimRequest,
    Stop,
    StreamEvent,
    TextDelta,
    ToolCallEnd,
    ToolCallStart,
    Usage,
)
from tools.registry import all_tools
from tools.sandbox import Workspace
from tools.tool import ToolDef, ToolEnv, ToolResult

TARGET_P50_MS = 5.0


class NoopInput(BaseModel):
    path: str
    start_line: int = 1
    note: str = ""


class InstantProvider:
    """Replies with one tool call per step, then a final answer; no I/O, no waiting."""

    name = "instant"

    def __init__(self, steps: int, tool: str, arguments: dict[str, Any]) -> None:
        self.steps, self.tool, self.arguments, self.calls = steps, tool, arguments, 0

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.calls += 1
        if self.calls < self.steps:
            call_id = f"call_{self.calls}"
            events: list[StreamEvent] = [
                TextDelta("Looking at the next file."),
                ToolCallStart(0, call_id, self.tool),
                ToolCallEnd(0, call_id, self.tool, dict(self.arguments)),
                Usage(1200, 40),
                Stop("tool_use"),
            ]
        else:
            events = [TextDelta("Done."), Usage(1200, 5), Stop("end_turn")]
        for event in events:
            yield event

    async def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        yield ErrorEvent("bad_request", "not used")

    def supports_fim(self, model: str | None = None) -> bool:
        return False


def make_noop(tool_seconds: list[float]) -> ToolDef[NoopInput]:
    async def run(args: NoopInput, env: ToolEnv) -> ToolResult:
        started = time.perf_counter()
        result = ToolResult(f"{args.path}: 1| x = 1\n" * 20, files=(args.path,))
        tool_seconds.append(time.perf_counter() - started)
        return result

    return ToolDef("noop", "Instant tool for the benchmark.", NoopInput, run)


async def one_run(steps: int, root: Path) -> list[float]:
    """Per-step overhead in milliseconds for one run of `steps` model turns."""
    tool_seconds: list[float] = []
    tools = {**all_tools(), "noop": make_noop(tool_seconds)}
    limits = Limits(
        max_steps=steps + 1, max_input_tokens=10**9, max_output_tokens=10**9, max_cost_usd=1e6, max_seconds=1e6
    )
    marks: list[float] = []

    def on_event(event: AgentEvent) -> None:
        if isinstance(event, StepStarted):
            marks.append(time.perf_counter())

    provider = InstantProvider(steps, "noop", {"path": "src/app.py", "start_line": 3})
    loop = AgentLoop(
        provider,
        tools,
        ToolEnv(Workspace([root])),
        Budget(limits),
        system="system prompt " * 200,
        model="claude-sonnet-4-5",
        on_event=on_event,
    )
    outcome = await loop.run("Rename a function across the project.")
    if not isinstance(outcome, Final) or provider.calls != steps or len(tool_seconds) != steps - 1:
        raise SystemExit(f"benchmark run did not go as scripted: {outcome}")
    marks.append(time.perf_counter())
    intervals = [b - a for a, b in itertools.pairwise(marks)]
    tool_time = tool_seconds + [0.0] * (len(intervals) - len(tool_seconds))
    return [(span - spent) * 1000 for span, spent in zip(intervals, tool_time, strict=True)]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def measure(runs: int, steps: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "src").mkdir()
        (root / "src" / "app.py").write_text("x = 1\n")
        for label, n in (("loop step (10-step run)", 10), (f"loop step ({steps}-step run)", steps)):
            p50s, p99s = [], []
            for _ in range(runs):
                times = asyncio.run(one_run(n, root))
                p50s.append(percentile(times, 50))
                p99s.append(percentile(times, 99))
            results[label] = {"p50_ms": statistics.median(p50s), "p99_ms": statistics.median(p99s)}
    return results


def print_table(results: dict[str, dict[str, float]], baseline: dict[str, dict[str, float]] | None) -> None:
    header = f"{'case':<30} {'p50 ms':>8} {'p99 ms':>8}"
    if baseline:
        header += f" {'base p50':>9} {'base p99':>9} {'p50 Δ':>8}"
    print(header)
    print("-" * len(header))
    for name, row in results.items():
        line = f"{name:<30} {row['p50_ms']:>8.3f} {row['p99_ms']:>8.3f}"
        if baseline and name in baseline:
            base = baseline[name]
            change = (row["p50_ms"] / base["p50_ms"] - 1) * 100 if base["p50_ms"] else 0.0
            line += f" {base['p50_ms']:>9.3f} {base['p99_ms']:>9.3f} {change:>+7.1f}%"
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="runs; the table shows the median (default 5)")
    parser.add_argument("--steps", type=int, default=50, help="model turns in the long run (default 50)")
    parser.add_argument("--save", type=Path, help="write the results as JSON")
    parser.add_argument("--baseline", type=Path, help="compare with results saved earlier")
    args = parser.parse_args(argv)
    baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None
    print(f"agent loop overhead per step (model and tool time excluded), median of {args.runs} runs")
    results = measure(args.runs, args.steps)
    print_table(results, baseline)
    if args.save:
        args.save.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    worst = max(row["p50_ms"] for row in results.values())
    print(f"target: p50 <= {TARGET_P50_MS} ms per step: {'met' if worst <= TARGET_P50_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
