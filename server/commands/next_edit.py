"""``outrider next-edit FILE:LINE:COL --edits DIFF_FILE``: one next-edit prediction from the terminal.

Useful to debug prompts: FILE is read from disk as it is now, DIFF_FILE holds the user's recent
edits as a unified diff (its hunks are replayed into the edit history in order, as an editor's
changes would be), and the prediction (no debounce) is printed as a unified diff of FILE on stdout,
with a one-line summary (edits, region, prompt format, source, timings, tokens) on stderr. No
prediction is not a failure; a provider failure is.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import sys
from pathlib import Path

from context.source.document import Document
from server.command_error import CommandError
from server.commands.arguments import FilePosition, settings_overrides
from server.commands.complete import lsp_position, read_document, workspace_of
from server.config import Settings, load_settings
from server.nextedit.diffs import DiffError, replay_into
from server.nextedit.edits import TextEdit, apply_edits
from server.nextedit.engine import NextEditEngine, NextEditQuery, NextEditResult
from server.nextedit.history import EditHistory


def run(args: argparse.Namespace) -> int:
    where: FilePosition = args.position
    workspace: Path = args.workspace or workspace_of(where.path)
    loaded = load_settings(workspace, cli=settings_overrides(args))
    for problem in loaded.problems:
        print(f"outrider next-edit: {problem}", file=sys.stderr)
    settings = loaded.settings.model_copy(deep=True)
    settings.next_edit.debounce_ms = 0
    document = read_document(where.path, settings)
    position = lsp_position(document, where)
    diff = _read_diff(args.edits) if args.edits is not None else ""
    result = asyncio.run(_predict(settings, document, position, diff, _relative(where.path, workspace)))
    if result.error is not None:
        raise CommandError(f"{result.error.kind}: {result.error.message}")
    sys.stdout.write(prediction_diff(document, result, _relative(where.path, workspace)))
    print(summary_line(result), file=sys.stderr)
    return 0


def _relative(path: Path, workspace: Path) -> str:
    try:
        return path.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return path.name


def _read_diff(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from exc


async def _predict(
    settings: Settings, document: Document, position: tuple[int, int], diff: str, shown_path: str
) -> NextEditResult:
    from server.models.registry import ProviderConfigError, build_provider
    from server.observe.tracer import open_tracer

    tracer = open_tracer(settings)
    try:
        try:
            provider = build_provider(settings, tracer=tracer)
        except ProviderConfigError as exc:
            raise CommandError(str(exc)) from exc
        clock = [0.0]
        config = settings.next_edit
        history = EditHistory(max_edits=config.history_edits, max_bytes=config.history_bytes, clock=lambda: clock[0])
        engine = NextEditEngine(provider, settings, tracer=tracer, history=history)
        try:
            replay_into(engine.history, document.path, shown_path, document.text, diff, lambda: _advance(clock))
        except DiffError as exc:
            raise CommandError(f"--edits: {exc}") from exc
        try:
            return await engine.predict(NextEditQuery(document.path, document, position))
        finally:
            engine.close()
    finally:
        if tracer is not None:
            tracer.close()


def _advance(clock: list[float]) -> None:
    clock[0] += 60.0


def prediction_diff(document: Document, result: NextEditResult, shown_path: str) -> str:
    """The predicted edits as a unified diff of the file ('' when there are none)."""
    if not result.edits:
        return ""
    edits = [
        TextEdit(document.offset_at(edit.range.start), document.offset_at(edit.range.end), edit.text)
        for edit in result.edits
    ]
    after = apply_edits(document.text, edits)
    lines = difflib.unified_diff(
        document.text.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{shown_path}", f"b/{shown_path}"
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def summary_line(result: NextEditResult) -> str:
    timings = result.timings
    region = f"lines {result.region.start + 1}-{result.region.end}" if result.region is not None else "-"
    what = f"{len(result.edits)} edit(s)" if result.edits else f"no edit ({result.dropped or 'model gave none'})"
    tokens = f", {result.usage.input_tokens} in / {result.usage.output_tokens} out tokens" if result.usage else ""
    return (
        f"{what}: region {region}, {result.format} prompt, {result.model}, {result.source}, "
        f"overhead {timings.overhead_ms:.1f} ms, model {timings.model_ms:.0f} ms{tokens}"
    )
