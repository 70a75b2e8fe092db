"""The editable region: the lines around the cursor the model may rewrite, chosen from the syntax tree.

:func:`choose_region` starts from the innermost function or method around the cursor (a class
member such as a field when the cursor is in a class body outside any method; the top-level
statement otherwise; a window of lines without a tree), then grows it with whole neighbouring
definitions (the next, then the previous, alternately) and with the lines the recent edits
touched, while it stays within ``max_lines``. A definition longer than ``max_lines`` is cut to a
window around the cursor. Lines are 0-based, ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tree_sitter import Node

from context.source.document import Document
from context.source.scopes import enclosing_scopes

_WRAPPERS = frozenset({"decorated_definition", "export_statement"})


@dataclass(frozen=True, slots=True)
class Region:
    start: int  # first line, 0-based
    end: int  # one past the last line

    @property
    def lines(self) -> int:
        return self.end - self.start

    def contains(self, line: int) -> bool:
        return self.start <= line < self.end


def choose_region(
    document: Document, position: tuple[int, int], touched: Sequence[tuple[int, int]] = (), max_lines: int = 40
) -> Region:
    """The editable region for a prediction at `position` (LSP, 0-based); `touched` are the line
    spans of the recent edits, most recent first."""
    line_count = max(1, document.line_count)
    cursor_line = min(max(0, position[0]), line_count - 1)
    anchor = _anchor_node(document, position)
    if anchor is None:
        half = max(1, max_lines // 4)
        region = Region(max(0, cursor_line - half), min(line_count, cursor_line + half + 1))
    else:
        region = _node_lines(anchor)
        if region.lines > max_lines:
            return _window(cursor_line, region, max_lines)
        region = _grow_with_siblings(anchor, region, max_lines)
    for start, end in touched:
        grown = Region(min(region.start, start), max(region.end, end, start + 1))
        if grown.lines <= max_lines and grown.end <= line_count:
            region = grown
    return region


def _anchor_node(document: Document, position: tuple[int, int]) -> Node | None:
    tree = document.tree
    if tree is None or document.language is None:
        return None
    offset = document.offset_at(position)
    byte = document.byte_at(offset)
    node = tree.root_node.descendant_for_byte_range(byte, byte)
    if node is None:
        return None
    scopes = enclosing_scopes(document.language, node)
    for kind, _name, scope in reversed(scopes):
        if kind in ("function", "method"):
            return _unwrap(scope)
        if kind in ("class", "interface", "impl", "enum", "type"):
            return _member_of(scope, byte) or _unwrap(scope)
        break
    return _top_level(tree.root_node, byte)


def _unwrap(node: Node) -> Node:
    """A definition with its decorators or ``export`` keyword."""
    parent = node.parent
    return parent if parent is not None and parent.type in _WRAPPERS else node


def _member_of(scope: Node, byte: int) -> Node | None:
    """The statement of a class body that holds `byte` (a field, say)."""
    body = scope.child_by_field_name("body")
    if body is None:
        return None
    for child in body.named_children:
        if child.start_byte <= byte <= child.end_byte:
            return child
    return None


def _top_level(root: Node, byte: int) -> Node | None:
    best: Node | None = None
    for child in root.named_children:
        if child.start_byte <= byte:
            best = child
        if child.end_byte >= byte:
            break
    return best


def _node_lines(node: Node) -> Region:
    end = node.end_point.row + (1 if node.end_point.column > 0 or node.end_point.row == node.start_point.row else 0)
    return Region(node.start_point.row, max(end, node.start_point.row + 1))


def _window(cursor_line: int, within: Region, max_lines: int) -> Region:
    start = max(within.start, cursor_line - max_lines // 2)
    end = min(within.end, start + max_lines)
    return Region(max(within.start, end - max_lines), end)


def _grow_with_siblings(anchor: Node, region: Region, max_lines: int) -> Region:
    after: Node | None = anchor.next_named_sibling
    before: Node | None = anchor.prev_named_sibling
    while after is not None or before is not None:
        for side in ("after", "before"):
            sibling = after if side == "after" else before
            if sibling is None:
                continue
            span = _node_lines(sibling)
            grown = Region(min(region.start, span.start), max(region.end, span.end))
            if grown.lines > max_lines:
                if side == "after":
                    after = None
                else:
                    before = None
                continue
            region = grown
            if side == "after":
                after = sibling.next_named_sibling
            else:
                before = sibling.prev_named_sibling
    return region
