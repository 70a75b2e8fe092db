"""``outrider refactor INSTRUCTION [PATH ...]``: the editor's agent, on files on disk.

Shows live progress and the model's text on stderr, then the unified diff on stdout. ``--apply``
writes the edits atomically (refused, all or nothing, when a file changed since the agent read
it); ``--commit`` also makes one git commit of exactly those files; ``--json`` prints the result as
one object. Exit codes: see :class:`server.terminal.outcome.ExitCode`.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console

from server.command_error import CommandError
from server.commands.arguments import settings_overrides
from server.config import Settings, load_settings
from server.terminal.outcome import ExitCode, RefactorResult
from server.terminal.refactor_run import Mode, RefactorJob, execute
from server.terminal.report import default_workspace, run_interruptibly, show_result, workspace_paths
from server.terminal.session_task import SessionTask, shown_test_commands, start_session_file


def _mode(args: argparse.Namespace) -> Mode:
    if args.commit and args.diff:
        raise CommandError("--commit writes the files; it cannot be combined with --diff", 2)
    return "commit" if args.commit else "apply" if args.apply else "diff"


def run(args: argparse.Namespace) -> int:
    workspace = default_workspace(args.workspace)
    paths = workspace_paths(workspace, args.paths)
    if not args.instruction.strip():
        raise CommandError("the instruction is empty: say what to change", int(ExitCode.NOTHING_TO_DO))
    mode = _mode(args)
    if mode == "commit":
        from server.terminal.commit import check_index

        if (refused := check_index(workspace, allow_dirty=args.allow_dirty_index)) is not None:
            raise CommandError(refused.reason, int(ExitCode.COMMIT_FAILED))
    loaded = load_settings(workspace, cli=settings_overrides(args))
    for problem in loaded.problems:
        print(f"outrider refactor: {problem}", file=sys.stderr)
    if (refusal := loaded.limits_refusal()) is not None:
        raise CommandError(refusal, 2)
    settings = loaded.settings
    job = RefactorJob(
        args.instruction, workspace, paths, mode, run_tests=bool(settings.agent.test_commands), confirmed=args.yes
    )
    result = _run_traced(job, settings, args)
    show_result(result, as_json=args.json, out=Console(soft_wrap=True), err=Console(stderr=True, soft_wrap=True))
    return 0


def _run_traced(job: RefactorJob, settings: Settings, args: argparse.Namespace) -> RefactorResult:
    from server.models.caps import SpendCaps
    from server.models.registry import ProviderConfigError, build_provider
    from server.observe.tracer import open_tracer

    if args.record is not None:
        tests = shown_test_commands(settings.agent.test_commands)
        start_session_file(args.record, SessionTask(job.instruction, job.paths, job.run_tests, tests))
    tracer = open_tracer(settings)
    caps = SpendCaps.open(settings)
    try:
        try:
            provider = build_provider(settings, tracer=tracer, record_to=args.record, caps=caps)
        except ProviderConfigError as exc:
            raise CommandError(str(exc), int(ExitCode.PROVIDER_ERROR)) from exc
        err = Console(stderr=True, soft_wrap=True)
        result = run_interruptibly(lambda: execute(job, settings, provider, err), args.record)
        result.session = None if args.record is None else str(args.record)
        return result
    finally:
        caps.close()
        if tracer is not None:
            tracer.close()
