"""``outrider replay SESSION``: play a recorded ``outrider refactor --record`` session back through
the same path (agent loop, validation, diff, apply), with the recorded model replies instead of a
provider. The project must ask what was recorded; a different request fails loudly with a diff.

The session carries the test commands it was recorded with; without ``agent.test_commands`` in the
user's own settings, replay runs those (only the Python test runners a session may name, see
:func:`server.terminal.session_task.replayable_test_commands`).
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console

from server.command_error import CommandError
from server.commands.arguments import settings_overrides
from server.config import load_settings
from server.models.sessions.replay import ReplayAdapter, SessionFormatError
from server.terminal.outcome import ExitCode
from server.terminal.refactor_run import RefactorJob, execute
from server.terminal.report import default_workspace, run_interruptibly, show_result
from server.terminal.session_task import read_session_task, replayable_test_commands


def run(args: argparse.Namespace) -> int:
    session = args.session
    if not session.is_file():
        raise CommandError(f"{session}: no such session file", 2)
    task = read_session_task(session)
    if isinstance(task, str):
        raise CommandError(task, 2)
    try:
        provider = ReplayAdapter.from_file(session, realtime=args.realtime)
    except SessionFormatError as exc:
        raise CommandError(str(exc), 2) from exc
    workspace = default_workspace(args.workspace)
    loaded = load_settings(workspace, cli=settings_overrides(args))
    for problem in loaded.problems:
        print(f"outrider replay: {problem}", file=sys.stderr)
    settings = loaded.settings.model_copy(deep=True)
    settings.provider, settings.model, settings.replay_session = "replay", provider.model, str(session)
    if not settings.agent.test_commands and task.test_commands:
        settings.agent.test_commands, refused = replayable_test_commands(task.test_commands)
        for command in refused:
            print(f"outrider replay: not running the recorded test command {command!r}", file=sys.stderr)
    job = RefactorJob(
        task.instruction, workspace, task.paths, "apply" if args.apply else "diff", run_tests=task.run_tests
    )
    err = Console(stderr=True, soft_wrap=True)
    result = run_interruptibly(lambda: execute(job, settings, provider, err), None)
    result.session = str(session)
    if result.exit_code == ExitCode.PROVIDER_ERROR and "replay" in result.message:
        result.message += (
            " (replay needs the recorded project as it was, as --workspace or the current git root,"
            " and the same test commands)"
        )
    show_result(result, as_json=args.json, out=Console(soft_wrap=True), err=err)
    return 0
