"""``outrider demo``: a recorded refactor of the bundled example project, with no API key.

It copies ``examples/invoicing`` to a temporary folder (the repository is never modified), replays
``examples/sessions/add_currency.jsonl`` through the same path as ``outrider refactor --apply``
(agent loop, tools, validation with the example's tests, diff, atomic write), then runs the
example's tests on the result. ``examples/record_demo.py`` re-records the session.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from server.command_error import CommandError
from server.config import AgentSettings, Settings, TraceSettings
from server.models.sessions.replay import ReplayAdapter, SessionFormatError
from server.terminal.outcome import ExitCode
from server.terminal.refactor_run import RefactorJob, execute
from server.terminal.report import run_interruptibly, show_result
from server.terminal.session_task import read_session_task

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = "invoicing"
SESSION = Path("sessions") / "add_currency.jsonl"
TEST_ARGS = ("-m", "unittest")


def python_command(scratch: Path) -> list[str]:
    """The example's test command. The model is shown the program's name, so it must be `python`
    wherever the demo runs (recorded sessions depend on it): a link named so when it is not."""
    executable = Path(sys.executable)
    if executable.name != "python":
        link = scratch / "bin" / "python"
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(executable)
        executable = link
    return [str(executable), *TEST_ARGS]


def demo_settings(session: Path, model: str, test_command: list[str]) -> Settings:
    """Defaults only (the user's configuration does not change the demo); traces off: nothing is spent."""
    return Settings(
        provider="replay",
        model=model,
        replay_session=str(session),
        agent=AgentSettings(test_commands=[test_command]),
        traces=TraceSettings(enabled=False),
    )


def run_example_tests(console: Console, work: Path, command: list[str]) -> None:
    console.print(Rule(f"the example's tests: python {' '.join(TEST_ARGS)}"))
    done = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=120, check=False)
    console.print(Text(done.stderr.strip() or done.stdout.strip(), style="dim"))
    if done.returncode != 0:
        raise CommandError(f"the example's tests failed after the refactor (exit code {done.returncode})")


def run(args: argparse.Namespace) -> int:
    example, session = EXAMPLES / EXAMPLE, EXAMPLES / SESSION
    if not example.is_dir() or not session.is_file():
        raise CommandError(f"the demo needs {example} and {session} (a source checkout of Outrider)")
    task = read_session_task(session)
    if isinstance(task, str):
        raise CommandError(task)
    try:
        provider = ReplayAdapter.from_file(session, realtime=True)
    except SessionFormatError as exc:
        raise CommandError(str(exc)) from exc
    console = Console(soft_wrap=True)
    with tempfile.TemporaryDirectory(prefix="outrider-demo-") as scratch:
        work = Path(scratch).resolve() / EXAMPLE
        shutil.copytree(example, work, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        command = python_command(Path(scratch))
        console.print(Rule("Outrider demo: a recorded refactor, no API key needed"))
        console.print(f"[bold]Task:[/] {task.instruction}")
        console.print(f"[bold]Project:[/] a copy of examples/{EXAMPLE} in {work}\n")
        job = RefactorJob(task.instruction, work, task.paths, "apply", run_tests=task.run_tests)
        settings = demo_settings(session, provider.model, command)
        result = run_interruptibly(lambda: execute(job, settings, provider, console), None)
        if result.diff:
            console.print(Rule("the diff"))
        show_result(result, as_json=False, out=console, err=console)
        run_example_tests(console, work, command)
    console.print(Rule())
    console.print(
        "[green]Demo finished:[/] the edits were validated, applied and the example's tests pass.\n"
        'Next: point Outrider at a real model (README, "Use a real model") and run\n'
        '  outrider refactor "your instruction" --apply'
    )
    return int(ExitCode.OK)
