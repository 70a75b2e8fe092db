"""``outrider complete FILE:LINE:COL``: one inline completion from the terminal.

Useful to check a configuration without an editor: it reads the file from disk, indexes the
workspace as the editor's server does, builds the same request the editor would get (no
debounce), prints the suggestion on stdout and a one-line summary
(shape, source, latency split, tokens) on stderr. ``--json`` prints everything as one object.
A provider failure is a non-zero exit with the reason; "no suggestion" is not a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from context.packing.workspace import WorkspaceView
from context.source.document import Document
from context.source.document_store import Skipped, load_document
from server.command_error import CommandError
from server.commands.arguments import FilePosition, settings_overrides
from server.completion.engine import CompletionEngine, CompletionQuery, CompletionResult
from server.completion.workspace_view import indexed_view
from server.config import Settings, load_settings


def run(args: argparse.Namespace) -> int:
    where: FilePosition = args.position
    workspace: Path = args.workspace or workspace_of(where.path)
    loaded = load_settings(workspace, cli=settings_overrides(args))
    for problem in loaded.problems:
        print(f"outrider complete: {problem}", file=sys.stderr)
    settings = loaded.settings.model_copy(deep=True)
    settings.completion.debounce_ms = 0
    document = read_document(where.path, settings)
    position = lsp_position(document, where)
    view = indexed_view(workspace, settings)
    result = asyncio.run(_complete(settings, document, position, view))
    if result.error is not None:
        raise CommandError(f"{result.error.kind}: {result.error.message}")
    if args.json:
        print(json.dumps(result_json(result), indent=2, sort_keys=True))
    else:
        if result.text is not None:
            print(result.text)
        print(summary_line(result), file=sys.stderr)
    return 0


def workspace_of(path: Path) -> Path:
    """The enclosing git work tree, else the file's directory."""
    for folder in [path.resolve().parent, *path.resolve().parents]:
        if (folder / ".git").exists():
            return folder
    return path.resolve().parent


def read_document(path: Path, settings: Settings) -> Document:
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    loaded = load_document(path, settings.context.max_file_bytes)
    if isinstance(loaded, Skipped):
        raise CommandError(f"{path}: skipped ({loaded.reason})")
    return loaded


def lsp_position(document: Document, where: FilePosition) -> tuple[int, int]:
    """1-based line and column (in characters) to an LSP position; past the end is an error."""
    line = where.line - 1
    if line >= document.line_count:
        raise CommandError(f"{where.path}: line {where.line} is past the end ({document.line_count} lines)")
    text = document.line_text(line)
    column = where.column - 1
    if column > len(text):
        raise CommandError(f"{where.path}:{where.line}: column {where.column} is past the end of the line")
    return line, len(text[:column].encode("utf-16-le")) // 2


async def _complete(
    settings: Settings, document: Document, position: tuple[int, int], view: WorkspaceView
) -> CompletionResult:
    from server.models.caps import SpendCaps
    from server.models.registry import ProviderConfigError, build_provider
    from server.observe.tracer import open_tracer

    tracer = open_tracer(settings)
    caps = SpendCaps.open(settings)
    try:
        try:
            provider = build_provider(settings, tracer=tracer, caps=caps)
        except ProviderConfigError as exc:
            raise CommandError(str(exc)) from exc
        engine = CompletionEngine(provider, settings, tracer=tracer, workspace=lambda: view)
        try:
            return await engine.complete(CompletionQuery(document.path, document, position))
        finally:
            await engine.settle()
            engine.close()
    finally:
        caps.close()
        if tracer is not None:
            tracer.close()


def result_json(result: CompletionResult) -> dict[str, Any]:
    return {
        "text": result.text,
        "source": result.source,
        "shape": result.shape,
        "dropped": result.dropped,
        "model": result.model,
        "stopped_early": result.stopped_early,
        "usage": asdict(result.usage) if result.usage is not None else None,
        "timings_ms": {
            "debounce": round(result.timings.debounce_ms, 3),
            "context": round(result.timings.context_ms, 3),
            "upstream_wait": round(result.timings.upstream_wait_ms, 3),
            "first_token": None if result.timings.first_token_ms is None else round(result.timings.first_token_ms, 3),
            "total": round(result.timings.total_ms, 3),
        },
    }


def summary_line(result: CompletionResult) -> str:
    timings = result.timings
    first = "-" if timings.first_token_ms is None else f"{timings.first_token_ms:.0f}"
    tokens = f", {result.usage.input_tokens} in / {result.usage.output_tokens} out tokens" if result.usage else ""
    what = "suggestion" if result.text is not None else f"no suggestion ({result.dropped or 'model gave none'})"
    return (
        f"{what}: {result.shape.replace('_', '-')}, {result.model}, context {timings.context_ms:.1f} ms, "
        f"first token {first} ms, total {timings.total_ms:.0f} ms{tokens}"
    )
