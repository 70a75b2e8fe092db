"""Everything one completion needs from the context layer, read from the document in one go
(no awaits in here, so the document cannot change half-way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tree_sitter import Parser, Tree

from context.document import Document
from context.languages import get_parser
from context.secrets import redact
from context.tokens import count_tokens, truncate_to_tokens
from server.completion.cursor_shape import CursorShape, analyse_cursor
from server.completion.postprocess import Surroundings
from server.completion.prompt import PromptParts
from server.completion.shape import Shape

# Share of the token budget for the code after the cursor; the rest goes to the code before it.
SUFFIX_SHARE = 0.25
# Characters per token no text beats (a window this wide always holds the budget's worth of tokens).
_MAX_CHARS_PER_TOKEN = 12


@dataclass(frozen=True, slots=True)
class SyntaxProbe:
    """What the syntax check needs: the parser, a copy of the tree and the text it was parsed from."""

    parser: Parser
    tree: Tree
    source: bytes
    cursor_byte: int


@dataclass(frozen=True, slots=True)
class Gathered:
    parts: PromptParts
    shape: Shape
    surroundings: Surroundings
    syntax: SyntaxProbe | None
    summary: dict[str, Any]  # for traces: sizes and sections of what was sent


def gather(document: Document, position: tuple[int, int], budget_tokens: int, model: str | None) -> Gathered:
    offset = document.offset_at(position)
    line = document.position_at(offset).line
    column = offset - document.line_start(line)
    cursor = analyse_cursor(document, line, column)
    parts = _pack(document, offset, budget_tokens, model)
    surroundings = _surroundings(cursor)
    summary = {
        "path": parts.path,
        "language": parts.language or "",
        "prefix_tokens": count_tokens(parts.prefix, model),
        "suffix_tokens": count_tokens(parts.suffix, model),
        "budget_tokens": budget_tokens,
    }
    return Gathered(parts, cursor.shape, surroundings, _probe(document, offset), summary)


def _pack(document: Document, offset: int, budget_tokens: int, model: str | None) -> PromptParts:
    """Prefix and suffix windows under the budget, secrets masked."""
    suffix_budget = int(budget_tokens * SUFFIX_SHARE)
    prefix_budget = budget_tokens - suffix_budget
    text = document.text
    window = _MAX_CHARS_PER_TOKEN
    prefix = text[max(0, offset - prefix_budget * window) : offset]
    suffix = text[offset : offset + suffix_budget * window]
    prefix = truncate_to_tokens(redact(prefix), prefix_budget, model, keep="tail")
    suffix = truncate_to_tokens(redact(suffix), suffix_budget, model, keep="head")
    return PromptParts(document.path, document.language, prefix, suffix)


def _surroundings(cursor: CursorShape) -> Surroundings:
    return Surroundings(
        line_prefix=cursor.line_prefix,
        line_suffix=cursor.line_suffix,
        following_lines=cursor.following_lines,
        shape=cursor.shape,
        base_indent=cursor.base_indent,
        indent_unit=cursor.indent_unit,
        eol=cursor.eol,
    )


def _probe(document: Document, offset: int) -> SyntaxProbe | None:
    if document.tree is None or document.language is None:
        return None
    return SyntaxProbe(get_parser(document.language), document.tree.copy(), document.source, document.byte_at(offset))
