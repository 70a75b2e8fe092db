"""Single line or multi-line: what kind of suggestion fits the cursor position.

Inside an empty block body (``def f():`` then Enter) the user wants the body: multi-line. In the middle
of an expression or with code to the right of the cursor they want the rest of the line: single line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Shape = Literal["single_line", "multi_line"]

# Text to the right of the cursor that still allows a multi-line answer: closers an editor auto-inserted.
_CLOSERS = frozenset(")]}\"'`;,:")


@dataclass(frozen=True, slots=True)
class ShapeInput:
    """What the decision needs, all from the document at the request's version."""

    line_prefix: str  # text of the cursor line before the cursor
    line_suffix: str  # text of the cursor line after the cursor (no line break)
    in_empty_block: bool  # the cursor is in a block body that has no statements yet
    mid_expression: bool  # the cursor is inside an unfinished expression or statement


def decide_shape(info: ShapeInput) -> Shape:
    """Multi-line only where a block of code can start; otherwise finish the current line."""
    rest = info.line_suffix.strip()
    if rest and not set(rest) <= _CLOSERS:
        return "single_line"
    if info.in_empty_block:
        return "multi_line"
    if info.mid_expression:
        return "single_line"
    if not info.line_prefix.strip():
        return "multi_line"
    return "single_line"
