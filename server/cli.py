"""The `outrider` command: parses arguments and hands each subcommand to its module.

Each subcommand lives in ``server/commands/<name>.py`` with ``run(args) -> int``; modules are
imported only when their command runs, so ``outrider lsp`` pays for nothing else. A command that
fails raises :class:`server.command_error.CommandError`; the user sees one line on stderr and a
non-zero exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from server.command_error import CommandError
from server.commands.arguments import parse_file_position


def _settings_flags() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("provider")
    group.add_argument("--provider", choices=["anthropic", "openai", "openai-compatible", "replay"])
    group.add_argument("--model")
    group.add_argument("--base-url", dest="base_url")
    group.add_argument("--workspace", type=Path, help="workspace root (default: the git root or current dir)")
    return common


def _budget_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-steps", type=int, dest="max_steps")
    parser.add_argument("--max-cost", type=float, dest="max_cost", help="US dollars")
    parser.add_argument("--max-seconds", type=float, dest="max_seconds")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="outrider", description="An AI coding assistant behind LSP.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _settings_flags()

    p = sub.add_parser("lsp", parents=[common], help="serve the Language Server Protocol (stdio)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    p.add_argument("--stdio", action="store_true", help="serve over stdio (the default)")

    p = sub.add_parser("acp", parents=[common], help="serve the Agent Client Protocol (stdio)")
    _budget_flags(p)

    p = sub.add_parser("refactor", parents=[common], help="run the agent on files on disk")
    p.add_argument("instruction")
    p.add_argument("paths", nargs="*", type=Path)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="show the diff, write nothing (default)")
    mode.add_argument("--apply", action="store_true", help="write the edits atomically")
    p.add_argument("--commit", action="store_true", help="apply, then commit exactly the applied files")
    p.add_argument("--allow-dirty-index", action="store_true", dest="allow_dirty_index")
    p.add_argument(
        "--yes",
        action="store_true",
        help="also write edits that need confirmation (deletes, many files) and allow MCP tools for this run",
    )
    p.add_argument("--json", action="store_true", help="machine-readable result on stdout")
    p.add_argument("--record", type=Path, metavar="FILE", help="write a recorded session")
    _budget_flags(p)

    p = sub.add_parser("complete", parents=[common], help="one inline completion at FILE:LINE:COL")
    p.add_argument("position", type=parse_file_position, metavar="FILE:LINE:COL")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("next-edit", parents=[common], help="predict the next edit at FILE:LINE:COL")
    p.add_argument("position", type=parse_file_position, metavar="FILE:LINE:COL")
    p.add_argument("--edits", type=Path, metavar="DIFF_FILE", help="the recent edits, as a unified diff")

    p = sub.add_parser("context", parents=[common], help="print what a model is told at FILE:LINE:COL")
    p.add_argument("position", type=parse_file_position, metavar="FILE:LINE:COL")
    p.add_argument("--budget", type=int, help="token budget (default: completion.context_tokens)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("traces", help="recent model calls")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--feature")
    p.add_argument("--provider", dest="trace_provider")
    p.add_argument("--model", dest="trace_model")
    p.add_argument("--errors", action="store_true", help="only failed calls")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("cost", help="spend by day, feature and model")
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("stats", help="suggestion acceptance by model, language and confidence band")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("replay", parents=[common], help="play a recorded session through the agent")
    p.add_argument("session", type=Path)
    p.add_argument("--realtime", action="store_true", help="keep the recorded timing")
    p.add_argument("--apply", action="store_true", help="write the edits (default: show the diff)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("doctor", parents=[common], help="check configuration and providers")
    p.add_argument("--json", action="store_true")

    sub.add_parser("demo", help="a recorded refactor on the bundled example; needs no API key")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from importlib.metadata import version

        print(f"outrider {version('outrider')}")
        return 0
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    module = importlib.import_module(f"server.commands.{args.command.replace('-', '_')}")
    try:
        code: int = module.run(args)
    except CommandError as exc:
        print(f"outrider {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"outrider {args.command}: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
