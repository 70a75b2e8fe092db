"""Showing a terminal run's result (diff, summary or JSON) and turning it into the exit code, plus
the command-line plumbing the terminal commands share (workspace, paths, Ctrl-C)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from server.command_error import CommandError
from server.terminal.diff import print_diff
from server.terminal.outcome import ExitCode, RefactorResult


def default_workspace(explicit: Path | None, cwd: Path | None = None) -> Path:
    """`--workspace`, else the enclosing git work tree of the current directory, else the directory."""
    if explicit is not None:
        if not explicit.is_dir():
            raise CommandError(f"--workspace {explicit}: not a directory", 2)
        return explicit.resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def workspace_paths(workspace: Path, paths: Sequence[Path]) -> tuple[str, ...]:
    """PATH arguments as sorted workspace-relative POSIX paths; each must exist inside the workspace."""
    out: set[str] = set()
    for path in paths:
        resolved = path.resolve()
        if not resolved.exists():
            raise CommandError(f"{path}: no such file or directory", 2)
        if not resolved.is_relative_to(workspace):
            raise CommandError(f"{path}: outside the workspace {workspace}", 2)
        out.add(resolved.relative_to(workspace).as_posix() or ".")
    return tuple(sorted(out))


def run_interruptibly(execute: Callable[[], RefactorResult], session: Path | None) -> RefactorResult:
    """Run; Ctrl-C becomes a one-line failure that says nothing was written."""
    try:
        return execute()
    except KeyboardInterrupt:
        recorded = f"; the session so far is in {session}" if session is not None else ""
        raise CommandError(f"cancelled: nothing was written{recorded}", int(ExitCode.INTERRUPTED)) from None


def show_result(result: RefactorResult, *, as_json: bool, out: Console, err: Console) -> None:
    """The diff on stdout (or the whole result as JSON), the summary on stderr; raise on failure."""
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n")
        sys.stdout.flush()
    else:
        if result.diff:
            print_diff(out, result.diff)
        if result.ok:
            spent = result.spent
            tokens = spent.input_tokens + spent.output_tokens
            err.print(
                Text(
                    f"{result.message} ({spent.steps} steps, {tokens:,} tokens, ${spent.cost_usd:.4f}, "
                    f"{result.elapsed_s:.1f}s)",
                    style="green",
                )
            )
    if not result.ok:
        raise CommandError(result.message, int(result.exit_code))
