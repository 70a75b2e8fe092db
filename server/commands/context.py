"""``outrider context FILE:LINE:COL [--budget N] [--json]``: print what a model is told there.

LINE and COL are 1-based, COL counted in characters (as compilers print positions); COL may be one
past the end of the line (the cursor after its last character). The budget defaults to the
setting ``completion.context_tokens``; the model (for token counting) to ``completion.model``,
else ``model``. The workspace is indexed as the editor's server indexes it (same cache), so the
context is the one the editor path packs from the same files, byte for byte: code window,
definitions of the names near the cursor, the repository-map slice. The output is exactly the
packed context: :meth:`PackedContext.render` (which names the token counter), or
:meth:`PackedContext.to_json` with ``--json``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from context.packing.pack import pack_completion_context
from context.safety.secret_files import is_credential_document
from context.source.document import Document
from context.source.document_store import Skipped, load_document
from context.source.positions import Position, utf16_len
from server.command_error import CommandError
from server.commands.arguments import FilePosition, settings_overrides
from server.commands.complete import workspace_of
from server.completion.workspace_view import indexed_view
from server.config import load_settings


def run(args: argparse.Namespace) -> int:
    where: FilePosition = args.position
    workspace: Path = args.workspace or workspace_of(where.path)
    loaded = load_settings(workspace, cli=settings_overrides(args))
    for problem in loaded.problems:
        print(f"outrider context: {problem}", file=sys.stderr)
    settings = loaded.settings
    budget = args.budget if args.budget is not None else settings.completion.context_tokens
    if budget < 1:
        raise CommandError(f"--budget must be at least 1, got {budget}")
    document = _read(where.path, settings.context.max_file_bytes)
    position = lsp_position(document, where)
    model = settings.completion.model or settings.resolved_model()
    view = indexed_view(workspace, settings)
    packed = pack_completion_context(document, position, budget, model, workspace=view)
    if args.json:
        print(packed.to_json_text())
    else:
        print(packed.render(), end="")
    return 0


def _read(path: Path, max_bytes: int) -> Document:
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    loaded = load_document(path, max_bytes)
    if isinstance(loaded, Skipped):
        raise CommandError(f"{path}: skipped ({loaded.reason})")
    if is_credential_document(str(path), loaded.text):
        raise CommandError(f"{path}: a credential file (by name or content); nothing from it is sent to a model")
    return loaded


def lsp_position(document: Document, where: FilePosition) -> Position:
    """1-based line and character column to an LSP position; past the end is a CommandError."""
    line = where.line - 1
    if line >= document.line_count:
        raise CommandError(f"{where.path}: line {where.line} is past the end ({document.line_count} lines)")
    text = document.line_text(line)
    column = where.column - 1
    if column > len(text):
        raise CommandError(
            f"{where.path}:{where.line}: column {where.column} is past the end of the line ({len(text)} characters)"
        )
    return Position(line, utf16_len(text[:column]))
