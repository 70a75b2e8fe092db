"""`run_tests`: run one of the test commands the user configured, against a scratch copy of the
workspace with your proposed edits applied. The model chooses a command by number and may narrow
it to files inside the workspace; nothing it writes is ever given to a shell.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tools.process import CommandResult, run_command
from tools.sandbox import Refusal, model_safe
from tools.scratch import materialise
from tools.tool import ToolDef, ToolEnv, ToolResult

MAX_TARGETS = 20


class RunTestsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: int = Field(default=0, ge=0, description="Which configured test command to run (0 = the first).")
    targets: list[str] = Field(
        default_factory=list,
        max_length=MAX_TARGETS,
        description="Optional test files (or pytest node ids like 'tests/test_x.py::test_y') to run only those.",
    )


def check_targets(env: ToolEnv, targets: list[str]) -> list[str] | Refusal:
    """Targets must be workspace paths (an optional '::node' suffix allowed), never options."""
    checked: list[str] = []
    for target in targets:
        path, sep, node = target.partition("::")
        if path.startswith("-") or not path.strip():
            return Refusal(f"target {target!r} is not a path; options cannot be passed to test commands")
        resolved = env.workspace.resolve(path)
        if isinstance(resolved, Refusal):
            return resolved
        if resolved.root != env.workspace.roots[0]:
            return Refusal(f"target {target!r} is not in the first workspace folder")
        if not resolved.path.exists() and env.proposals.get(resolved.path) is None:
            return Refusal(f"target {target!r} does not exist")
        checked.append(resolved.rel + sep + node)
    return checked


_PYTHON_NAME = re.compile(r"python(?:\d+(?:\.\d+)*)?(?:\.exe)?", re.IGNORECASE)


def display_command(argv: Sequence[str]) -> str:
    """How a command is shown to the model: the program's name without its folder, and any Python
    interpreter (`python3`, `python3.11`, a venv's `python`) as plain `python`, so prompts (and the
    recorded sessions that compare them) do not depend on how the interpreter happens to be named."""
    if not argv:
        return ""
    name = Path(argv[0]).name
    if _PYTHON_NAME.fullmatch(name):
        name = "python"
    return " ".join([name, *argv[1:]])


def render(result: CommandResult, shown: str) -> str:
    if result.error:
        return f"$ {shown}\n{result.error}"
    if result.timed_out:
        status = f"timed out after {result.seconds:.0f} s (the process was killed)"
    else:
        status = f"exit code {result.exit_code} ({'passed' if result.passed else 'failed'}) in {result.seconds:.1f} s"
    return f"$ {shown}\n{result.output.rstrip()}\n[{status}]"


async def run_configured_tests(env: ToolEnv, index: int, targets: list[str]) -> CommandResult | Refusal:
    """Run configured command `index` (plus checked targets) in a scratch copy of the workspace."""
    if not env.test_commands:
        return Refusal(
            "no test commands are configured; the user can set agent.test_commands in their settings "
            '(for example [["python", "-m", "pytest", "-q"]])'
        )
    if index >= len(env.test_commands):
        listing = "; ".join(f"{i}: {display_command(c)}" for i, c in enumerate(env.test_commands))
        return Refusal(f"there is no test command {index}; configured commands are {listing}")
    checked = check_targets(env, targets)
    if isinstance(checked, Refusal):
        return checked
    argv = [*env.test_commands[index], *checked]
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="outrider-tests-"))
    try:
        await materialise(env, scratch)
        return await run_command(argv, scratch, timeout_s=env.test_timeout_s)
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, ignore_errors=True)


async def run(args: RunTestsInput, env: ToolEnv) -> ToolResult:
    result = await run_configured_tests(env, args.command, args.targets)
    if isinstance(result, Refusal):
        return ToolResult.error(result.reason)
    text = model_safe(render(result, display_command(result.argv)), env.max_output_chars)
    return ToolResult(text, is_error=not result.passed)


TOOL = ToolDef(
    name="run_tests",
    description=(
        "Run one of the project's configured test commands on the workspace with your proposed edits applied "
        "(a scratch copy; nothing is written to the user's files). Optionally restrict it to test files."
    ),
    input_model=RunTestsInput,
    run=run,
)
