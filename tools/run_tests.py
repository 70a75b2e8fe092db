"""`run_tests`: run one of the test commands the user configured, against a scratch copy of the
workspace with your proposed edits applied. The model chooses a command by number and may narrow
it to files inside the workspace; nothing it writes is ever given to a shell. With proposed files in
the copy the tests run model-written code: inside the OS sandbox (:mod:`tools.os_sandbox`) where
it works, else only after the user allowed it (``ToolEnv.confirm_unsandboxed``). The environment is
the allow-list of :func:`tools.process.allowed_env`.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tools.os_sandbox import sandbox_status, sandboxed_argv
from tools.process import CommandResult, allowed_env, run_command
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
    sandboxed = bool(len(env.proposals)) and env.sandbox and (await asyncio.to_thread(sandbox_status)).active
    if len(env.proposals) and not sandboxed and (refusal := await _consent_without_sandbox(env)) is not None:
        return refusal
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="outrider-tests-"))
    try:
        await materialise(env, scratch)
        run_argv = sandboxed_argv(argv, scratch) if sandboxed else argv
        variables = allowed_env(os.environ, env.test_env)
        result = await run_command(run_argv, scratch, timeout_s=env.test_timeout_s, env=variables)
        return replace(result, argv=tuple(argv))
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, ignore_errors=True)


async def _consent_without_sandbox(env: ToolEnv) -> Refusal | None:
    """None when the user allows running the tests on proposed files without an OS sandbox."""
    status = await asyncio.to_thread(sandbox_status)
    why = status.detail if env.sandbox else "the sandbox is turned off"
    question = f"Run the tests on the model's proposed code without a sandbox ({why})? It can do anything you can."
    if env.confirm_unsandboxed is not None and await env.confirm_unsandboxed(question):
        return None
    return Refusal(
        f"the tests were not run: no OS sandbox is available ({why}) and the user did not allow running "
        "proposed code without one; finish without running the tests, the user can run them"
    )


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
