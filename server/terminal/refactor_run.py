"""One terminal agent run, shared by ``outrider refactor``, ``replay`` and ``demo``: run the agent
with live progress, then show the diff, apply it atomically or commit it.

Nothing is written unless the mode asks for it and the run finished with validated edits. Ctrl-C
cancels the run (asyncio task cancellation: the recorder and the trace store flush on the way out);
while the edits are being written, Ctrl-C is held until the last file is in place.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Literal

from rich.console import Console

from server.agent.apply import apply_plan_to_disk
from server.agent.outcomes import Final, NeedsApproval
from server.agent.plan import EditPlan
from server.agent.session import AgentRun, AgentTask, build_env, run_agent_task
from server.config import Settings
from server.mcp.toolbox import open_mcp_tools
from server.models.types import Provider
from server.terminal.commit import Committed, commit_files, commit_message
from server.terminal.diff import plan_diff
from server.terminal.mcp_gate import mcp_gate
from server.terminal.outcome import ExitCode, RefactorResult, unfinished_result
from server.terminal.progress import ProgressView

Mode = Literal["diff", "apply", "commit"]


@dataclass(frozen=True)
class RefactorJob:
    instruction: str
    workspace: Path  # resolved
    paths: tuple[str, ...] = ()  # workspace-relative, POSIX
    mode: Mode = "diff"
    run_tests: bool = False
    confirmed: bool = False  # the user accepts edits that need confirmation (--yes)

    def agent_task(self) -> AgentTask:
        if len(self.paths) == 1:
            return AgentTask(self.instruction, path=self.paths[0], run_tests=self.run_tests)
        instruction = self.instruction
        if self.paths:
            instruction += "\n\nFiles: " + ", ".join(self.paths)
        return AgentTask(instruction, run_tests=self.run_tests)


async def run_agent(job: RefactorJob, settings: Settings, provider: Provider, view: ProgressView) -> AgentRun:
    async def allowed_by_yes(question: str) -> bool:
        return job.confirmed  # --yes: the user accepted running proposed code without a sandbox

    env = build_env(settings, [job.workspace], confirm_unsandboxed=allowed_by_yes)
    with view:
        gate = mcp_gate(view.console, allow_all=job.confirmed)
        async with open_mcp_tools(settings.mcp, gate, view) as mcp_tools:
            return await run_agent_task(
                job.agent_task(), env, settings, provider=provider, on_event=view, extra_tools=mcp_tools
            )


def _current_text(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return "\0unreadable"  # never matches an edit's base


def conflicts(plan: EditPlan) -> list[str]:
    """Files that changed on disk since the agent read them (checked before anything is written)."""
    return [edit.rel_path for edit in plan.edits if not edit.still_applies_to(_current_text(edit.path))]


@contextmanager
def sigint_held() -> Iterator[Callable[[], bool]]:
    """Hold Ctrl-C while files are written; the yielded function says whether one came."""
    came: list[int] = []

    def _hold(signum: int, frame: FrameType | None) -> None:
        came.append(signum)

    try:
        previous = signal.signal(signal.SIGINT, _hold)
    except ValueError:  # not the main thread: nothing to hold
        yield lambda: False
        return
    try:
        yield lambda: bool(came)
    finally:
        signal.signal(signal.SIGINT, previous)


def write_plan(job: RefactorJob, result: RefactorResult, plan: EditPlan) -> RefactorResult:
    """Apply (and maybe commit) a validated plan; all or nothing when a file changed on disk."""
    changed = conflicts(plan)
    if changed:
        result.status, result.exit_code = "conflict", ExitCode.CONFLICT
        result.message = f"{', '.join(changed)} changed on disk since the agent read it; nothing was written"
        return result
    with sigint_held():
        report = apply_plan_to_disk(plan, confirmed=job.confirmed)
    result.written, result.deleted = report.written, report.deleted
    if not report.ok:
        result.status, result.exit_code = "conflict", ExitCode.CONFLICT
        result.message = "not applied: " + "; ".join(report.refused)
        return result
    result.status, result.message = "applied", f"applied to {', '.join(plan.files)}"
    if job.mode != "commit":
        return result
    changed_paths = [edit.path for edit in plan.edits]
    with sigint_held():
        committed = commit_files(job.workspace, changed_paths, commit_message(job.instruction, plan.files))
    if isinstance(committed, Committed):
        result.status, result.commit = "committed", committed.sha
        result.message = f"applied and committed {committed.sha[:10]} ({', '.join(plan.files)})"
    else:
        result.status, result.exit_code = "commit_failed", ExitCode.COMMIT_FAILED
        result.message = f"applied to {', '.join(plan.files)}, but not committed: {committed.reason}"
    return result


def conclude(job: RefactorJob, run: AgentRun) -> RefactorResult:
    """Turn the run's outcome into the result: diff only, written, committed, or why not."""
    outcome = run.outcome
    unfinished = unfinished_result(outcome, run.spent)
    if unfinished is not None:
        return unfinished
    assert isinstance(outcome, Final | NeedsApproval)
    plan = outcome.plan
    result = RefactorResult(
        "diff", ExitCode.OK, f"proposed edits to {', '.join(plan.files)} (not written; --apply writes them)"
    )
    result.answer, result.files, result.diff, result.spent = (
        outcome.answer,
        list(plan.files),
        plan_diff(plan),
        run.spent,
    )
    if job.mode == "diff":
        return result
    if isinstance(outcome, NeedsApproval) and not job.confirmed:
        result.status, result.exit_code = "needs_confirmation", ExitCode.NEEDS_CONFIRMATION
        result.message = "not applied, review these edits first (--yes writes them): " + "; ".join(outcome.reasons)
        return result
    return write_plan(job, result, plan)


def execute(
    job: RefactorJob,
    settings: Settings,
    provider: Provider,
    console: Console,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> RefactorResult:
    """Run the agent to its end and conclude. Ctrl-C raises KeyboardInterrupt after the run unwound."""
    view = ProgressView(console, settings.agent.max_steps, clock=clock)
    run = asyncio.run(run_agent(job, settings, provider, view))
    result = conclude(job, run)
    result.elapsed_s = view.elapsed
    return result
