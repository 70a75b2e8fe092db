"""Reads the syntax tree and lines at the cursor for the shape decision and the stop rule:
is the cursor in an empty block body, inside an unfinished bracketed expression, and which
indentation does the suggestion's block have.
"""

from __future__ import annotations

from dataclasses import dataclass

from context.document import Document
from server.completion.shape import Shape, ShapeInput, decide_shape
from server.completion.stopping import indent_width

# Node types whose inside is one expression: a blank line there continues it (single line).
_BRACKETED = frozenset(
    {
        "argument_list",
        "arguments",
        "parameters",
        "formal_parameters",
        "parameter_list",
        "list",
        "tuple",
        "dictionary",
        "set",
        "array",
        "object",
        "parenthesized_expression",
        "subscript",
        "type_arguments",
        "generator_expression",
        "list_comprehension",
        "dictionary_comprehension",
        "set_comprehension",
    }
)
_BLOCK_OPENERS = (":", "{", "=>", "->")
_FOLLOWING_LINES = 12


@dataclass(frozen=True, slots=True)
class CursorShape:
    shape: Shape
    base_indent: int  # columns: lines of the suggestion indented less than this leave its block
    line_prefix: str
    line_suffix: str
    following_lines: tuple[str, ...]
    indent_unit: str
    eol: str


def analyse_cursor(document: Document, line: int, column: int) -> CursorShape:
    """``column`` is a code-point offset within the line."""
    text = document.line_text(line)
    prefix, suffix = text[:column], text[column:]
    above = _previous_non_blank(document, line)
    below = _next_non_blank_indent(document, line)
    unit = detect_indent_unit(document)
    empty_block = _in_empty_block(prefix, suffix, above, below)
    info = ShapeInput(prefix, suffix, empty_block, _mid_expression(document, line, column))
    shape = decide_shape(info)
    if empty_block and above is not None and indent_width(prefix) <= indent_width(above):
        base = indent_width(above) + indent_width(unit)  # the editor did not indent the new line
    else:
        base = indent_width(prefix if not prefix.strip() else text)
    last = min(line + 1 + _FOLLOWING_LINES, document.line_count)
    following = tuple(document.line_text(number) for number in range(line + 1, last))
    return CursorShape(shape, base, prefix, suffix, following, unit, _eol(document))


def _previous_non_blank(document: Document, line: int) -> str | None:
    for number in range(line - 1, max(-1, line - 50), -1):
        text = document.line_text(number)
        if text.strip():
            return text
    return None


def _next_non_blank_indent(document: Document, line: int) -> int | None:
    for number in range(line + 1, min(document.line_count, line + 50)):
        text = document.line_text(number)
        if text.strip():
            return indent_width(text)
    return None


def _in_empty_block(prefix: str, suffix: str, above: str | None, below: int | None) -> bool:
    """A blank line right after a block opener (``def f():``, ``if (x) {``) with nothing inside yet."""
    if prefix.strip() or suffix.strip() not in ("", "}", ")", "]", "end"):
        return False
    if above is None or not above.rstrip().endswith(_BLOCK_OPENERS):
        return False
    return below is None or below <= indent_width(above)


def _mid_expression(document: Document, line: int, column: int) -> bool:
    """The cursor is strictly inside a bracketed expression (call arguments, a list literal...)."""
    tree = document.tree
    if tree is None:
        return False
    byte = document.byte_at(document.line_start(line) + column)
    node = tree.root_node.descendant_for_byte_range(byte, byte)
    while node is not None:
        if node.type in _BRACKETED and node.start_byte < byte < node.end_byte:
            return True
        if node.type in ("ERROR",) and node.start_byte < byte:
            return _unclosed_bracket(document.source[node.start_byte : byte])
        node = node.parent
    return False


def _unclosed_bracket(text: bytes) -> bool:
    depth = 0
    for char in text:
        if char in b"([{":
            depth += 1
        elif char in b")]}":
            depth = max(0, depth - 1)
    return depth > 0


def detect_indent_unit(document: Document, sample_lines: int = 400) -> str:
    """The document's indentation: a tab, or the smallest step of leading spaces (default 4)."""
    tabs = spaces = 0
    step = 0
    for number in range(min(document.line_count, sample_lines)):
        text = document.line_text(number)
        if not text.strip():
            continue
        if text.startswith("\t"):
            tabs += 1
        elif text.startswith(" "):
            spaces += 1
            width = len(text) - len(text.lstrip(" "))
            step = width if step == 0 else min(step, width)
    if tabs > spaces:
        return "\t"
    return " " * (step if 2 <= step <= 8 else 4)


def _eol(document: Document) -> str:
    head = document.text[:4096]
    return "\r\n" if "\r\n" in head else "\n"
